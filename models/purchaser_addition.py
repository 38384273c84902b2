"""Purchaser addition: the form, and its rules as pure functions.

Problem messages name positions, sides and roles, never a person.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from models.approvers import approver_problems
from models.common import Line, NamedAddress
from models.contact_change import ContactState
from models.contact_fields import Approver, Email, Phone, Roles
from models.enums import Responsibility, Role, Side
from models.personal_data import is_erased
from models.problems import Problem
from models.roles import purchaser_roles, responsibility_roles


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


class PurchaserAdditionCreate(PurchaserAddition):
    model_config = ConfigDict(extra="forbid")

    contacts: Annotated[list[PurchaserContact], Field(min_length=1, max_length=50)]
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
    """
    problems = _contact_problems(form, emails_in_use)
    if isinstance(form, PurchaserAdditionCreate):
        problems += _approver_problems(form, requester_email)
    return problems


def _contact_problems(form: PurchaserAddition, emails_in_use: frozenset[str]) -> list[Problem]:
    problems: list[Problem] = []
    allowed = purchaser_roles(form.responsibility)
    seen = Counter(str(contact.email) for contact in form.contacts)
    for index, contact in enumerate(form.contacts):
        loc = ("body", "contacts", index)
        refused = set(contact.roles) - allowed
        if refused:
            names = ", ".join(sorted(role.value for role in refused))
            problems.append(
                Problem(
                    (*loc, "roles"),
                    f"{names} cannot be held by a purchaser contact with "
                    f"{form.responsibility.value} responsibility",
                    "role_exclusivity",
                )
            )
        if str(contact.email) in emails_in_use or seen[str(contact.email)] > 1:
            problems.append(
                Problem(
                    (*loc, "email"), "this email is already used by another contact", "email_in_use"
                )
            )
    held = {role for contact in form.contacts for role in contact.roles}
    for role in sorted(responsibility_roles(form.responsibility) - held):
        problems.append(
            Problem(
                ("body", "contacts"),
                f"no purchaser contact holds {role.value}, which its responsibility needs",
                "responsibility_unheld",
            )
        )
    return problems


def _approver_problems(form: PurchaserAdditionCreate, requester_email: str | None) -> list[Problem]:
    return approver_problems(
        requester_email,
        [
            (("body", "approvers", side.value, "email"), str(form.approvers.of(side).email))
            for side in Side
        ],
    )


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


def emails_of(form: PurchaserAddition) -> Iterable[str]:
    return (str(contact.email) for contact in form.contacts)
