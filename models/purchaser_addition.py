"""Purchaser addition: the form, and its rules as pure functions.

Problem messages name positions, sides and roles, never a person.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from models.asks import Asks, Standing, role_words
from models.common import Line, NamedAddress
from models.contact_fields import Approver, Email, Phone, Roles, person_name
from models.contact_state import ContactState
from models.enums import Responsibility, Role, Side
from models.on_behalf import FilingForm
from models.payloads import RequestInput
from models.personal_data import is_erased
from models.problems import Loc, Problem
from models.reading import listed, readable_approver, readable_item, valid
from models.roles import purchaser_roles, responsibility_roles
from models.separation_of_duties import approver_problems


class PurchaserContact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: Line
    last_name: Line
    email: Email
    phone: Phone | None = None
    roles: Roles


class Approvers(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer: Approver
    purchaser: Approver

    def of(self, side: Side) -> Approver:
        return self.customer if side is Side.CUSTOMER else self.purchaser


class PurchaserAddition(BaseModel):
    """What an addition adds. A stored form is read through this, its approvers aside: they
    sign it off, and one of them may have been erased since."""

    model_config = ConfigDict(extra="ignore")

    purchaser: NamedAddress
    responsibility: Responsibility
    contacts: list[PurchaserContact]


# The most contacts one addition brings.
MOST_CONTACTS = 50


class PurchaserAdditionCreate(PurchaserAddition, FilingForm):
    model_config = ConfigDict(extra="forbid")

    contacts: Annotated[list[PurchaserContact], Field(min_length=1, max_length=MOST_CONTACTS)]
    approvers: Approvers


def stored_addition(requested: dict[str, Any]) -> tuple[PurchaserAddition, int]:
    """A stored addition with the contacts still in it, and how many were erased since."""
    contacts = requested.get("contacts", [])
    living = [contact for contact in contacts if not is_erased(contact)]
    form = PurchaserAddition.model_validate({**requested, "contacts": living})
    return form, len(contacts) - len(living)


def purchaser_addition_problems(
    form: PurchaserAddition, requester_email: str | None, emails_in_use: frozenset[str]
) -> list[Problem]:
    """Every reason the form cannot be accepted; empty when it can.

    ``emails_in_use`` holds the (lower-case) emails living contacts already use, anywhere.
    A form read past the schema (``readable_*``) leaves out what it refused: its
    responsibility, an email or an approver may be None, and the rules about them wait.
    """
    problems = _contact_problems(form, emails_in_use)
    if isinstance(form, PurchaserAdditionCreate):
        problems += _approver_problems(form, requester_email)
    return problems


def _contact_problems(form: PurchaserAddition, emails_in_use: frozenset[str]) -> list[Problem]:
    problems: list[Problem] = []
    responsibility = form.responsibility
    allowed = purchaser_roles(responsibility) if responsibility is not None else None
    seen = Counter(emails_of(form))
    for index, contact in enumerate(form.contacts):
        loc = ("body", "contacts", index)
        refused = set(contact.roles) - allowed if allowed is not None else set()
        if refused:
            names = ", ".join(sorted(role.label for role in refused))
            problems.append(
                Problem(
                    (*loc, "roles"),
                    f"{names} cannot be held by a purchaser contact with "
                    f"{responsibility.value} responsibility",
                    "role_exclusivity",
                )
            )
        email = str(contact.email) if contact.email is not None else None
        if email is not None and (email in emails_in_use or seen[email] > 1):
            problems.append(
                Problem(
                    (*loc, "email"), "this email is already used by another account", "email_in_use"
                )
            )
    if responsibility is None:
        return problems
    held = {role for contact in form.contacts for role in contact.roles}
    for role in sorted(responsibility_roles(responsibility) - held):
        problems.append(
            Problem(
                ("body", "contacts"),
                f"no purchaser contact holds {role.label}, which its responsibility needs",
                "responsibility_unheld",
                role=role,
            )
        )
    return problems


def _approver_problems(form: PurchaserAdditionCreate, requester_email: str | None) -> list[Problem]:
    named = [
        (("body", "approvers", side.value, "email"), str(approver.email))
        for side in Side
        if (approver := form.approvers.of(side)) is not None
    ]
    return approver_problems(requester_email, named)


def roles_after_addition(
    customer_contacts: Sequence[ContactState], responsibility: Responsibility
) -> list[tuple[ContactState, frozenset[Role]]]:
    """Each customer contact with the roles it gives up to the purchaser (role exclusivity)."""
    moving = responsibility_roles(responsibility)
    return [
        (contact, contact.roles & moving)
        for contact in customer_contacts
        if contact.side is Side.CUSTOMER and contact.roles & moving
    ]


def emails_of(form: PurchaserAddition) -> list[str]:
    """The emails the form gives its contacts (a malformed one read past the schema aside)."""
    return [str(contact.email) for contact in form.contacts if contact.email is not None]


def asks(requested: dict[str, Any], standing: Standing) -> Asks:
    """The purchaser organisation asked for, the contacts it brings, and the roles the
    customer's contacts give up to it."""
    addition, _ = stored_addition(requested)
    purchaser, address = addition.purchaser, addition.purchaser.address
    matters = addition.responsibility.value
    return Asks(
        what=(
            f"add {purchaser.name} as its purchaser organisation, responsible for {matters} matters"
        ),
        subject=f"add {purchaser.name} as purchaser for {standing.customer_name}",
        facts=[
            ("Purchaser", purchaser.name),
            (
                "Address",
                f"{address.street}, {address.city}, {address.postal_code}, {address.country}",
            ),
            ("Responsible for", f"{matters} matters"),
        ],
        list_title="Purchaser contacts:",
        items=[
            f"{person_name(c.first_name, c.last_name)} ({role_words(c.roles)})"
            for c in addition.contacts
        ],
        moves=[
            f"{standing.name_of(state.id)}: {role_words(sorted(roles))}"
            for state, roles in roles_after_addition(standing.contacts, addition.responsibility)
        ],
    )


# A form the schema refused, read as far as the rules can still check it.
# Where the rules' problems about every contact, or every assignment, at once stand.
ALL_CONTACTS: Loc = ("body", "contacts")


_responsibility = TypeAdapter(Responsibility)


_email = TypeAdapter[str](Email)


def readable_addition(body: Any) -> PurchaserAdditionCreate | None:
    """What of ``body`` (the parsed JSON) the rules can check, or None if nothing is."""
    if not isinstance(body, dict):
        return None
    approvers = body.get("approvers")
    given = approvers if isinstance(approvers, dict) else {}
    named: dict[str, Any] = {side.value: readable_approver(given.get(side.value)) for side in Side}
    read: dict[str, Any] = {
        "responsibility": valid(_responsibility, body.get("responsibility")),
        "contacts": [
            readable_item(raw, PurchaserContact, "email", _email)
            for raw in listed(body, "contacts", MOST_CONTACTS)
        ],
        "approvers": Approvers.model_construct(**named),
    }
    return PurchaserAdditionCreate.model_construct(**read)


# Its workflow's input, and the command that applies it.
@dataclass(frozen=True)
class PurchaserAdditionInput(RequestInput):
    approval_reminder_seconds: int
    approval_expiry_seconds: int
    activation_expiry_seconds: int


@dataclass(frozen=True)
class ApplyPurchaserAddition:
    request_id: str
    actor: str
    at: datetime
    activation_expiry_seconds: int
