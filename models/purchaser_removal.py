"""Purchaser removal: the form, its rules, and who approves requests that need approval.

Problem messages name positions and roles, never a person.
"""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from models.asks import Asks, Standing, role_words
from models.contact_fields import Approver, Roles
from models.contact_state import ContactState
from models.enums import Role, Side
from models.on_behalf import FilingForm
from models.payloads import RequestInput
from models.problems import Loc, Problem
from models.reading import listed, readable_approver, readable_item
from models.separation_of_duties import approver_problems


class RoleAssignment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contact_id: uuid.UUID
    roles: Roles


class PurchaserRemoval(BaseModel):
    """What a removal changes. A stored form is read through this, its approver aside."""

    model_config = ConfigDict(extra="ignore")

    role_assignments: list[RoleAssignment] = []


# The most role assignments one removal makes.
MOST_ASSIGNMENTS = 50


class PurchaserRemovalCreate(PurchaserRemoval, FilingForm):
    model_config = ConfigDict(extra="forbid")

    role_assignments: Annotated[list[RoleAssignment], Field(max_length=MOST_ASSIGNMENTS)] = []
    approver: Approver


def purchaser_removal_problems(
    contacts: Sequence[ContactState],
    form: PurchaserRemoval,
    required_roles: Iterable[Role],
    requester_email: str | None,
) -> list[Problem]:
    """Every reason the removal cannot be accepted against ``contacts``; empty when it can.

    A form read past the schema (``readable_*``) leaves out what it refused: an
    assignment's contact (None: a contact of no one) or the approver may be None.
    """
    problems: list[Problem] = []
    customer_side = {c.id for c in contacts if c.side is Side.CUSTOMER}
    for index, assignment in enumerate(form.role_assignments):
        loc = ("body", "role_assignments", index)
        if assignment.contact_id not in customer_side:
            problems.append(
                Problem(
                    (*loc, "contact_id"),
                    "not a contact of the customer: purchaser contacts leave with the purchaser",
                    "not_customer_contact",
                )
            )
        if Role.PURCHASER in assignment.roles:
            problems.append(
                Problem(
                    (*loc, "roles"),
                    "the Purchaser role ends with the purchaser (role exclusivity)",
                    "role_exclusivity",
                )
            )
    held = {role for _, roles in roles_after_removal(contacts, form) for role in roles}
    for role in required_roles:
        if role not in held:
            problems.append(
                Problem(
                    ("body", "role_assignments"),
                    f"the required role {role.label} would be held by no contact once the "
                    "purchaser leaves: assign it to a customer contact",
                    "required_role_unheld",
                    role=role,
                )
            )
    if isinstance(form, PurchaserRemovalCreate) and form.approver is not None:
        named = [(("body", "approver", "email"), str(form.approver.email))]
        problems += approver_problems(requester_email, named)
    return problems


def roles_after_removal(
    contacts: Sequence[ContactState], form: PurchaserRemoval
) -> list[tuple[ContactState, frozenset[Role]]]:
    """Each customer contact with all the roles it holds once the purchaser has left."""
    given: dict[uuid.UUID, set[Role]] = {}
    for assignment in form.role_assignments:
        given.setdefault(assignment.contact_id, set()).update(assignment.roles)
    return [
        (contact, contact.roles | given.get(contact.id, set()) if contact.id else contact.roles)
        for contact in contacts
        if contact.side is Side.CUSTOMER
    ]


def roles_to_hand_back(
    holdings: Iterable[tuple[Side, Iterable[Role]]], required_roles: Iterable[Role]
) -> list[Role]:
    """The required roles the purchaser's contacts hold (each contact given as its side and
    roles), in the order of ``required_roles``: those a removal gives back to the customer."""
    held = {role for side, roles in holdings if side is Side.PURCHASER for role in roles}
    return [role for role in dict.fromkeys(required_roles) if role in held]


def asks(requested: dict[str, Any], standing: Standing) -> Asks:
    """The purchaser to go, and the required roles the customer's contacts take back."""
    form = PurchaserRemoval.model_validate(requested)
    purchaser, customer = standing.purchaser_name, standing.customer_name
    return Asks(
        what=f"remove {purchaser} as its purchaser organisation",
        subject=f"remove {purchaser} as purchaser for {customer}",
        facts=[("Purchaser", purchaser)],
        list_title="Roles given back to the customer's contacts:",
        items=[
            f"{standing.name_of(a.contact_id)}: {role_words(a.roles)}"
            for a in form.role_assignments
        ],
    )


# A form the schema refused, read as far as the rules can still check it.
ALL_ASSIGNMENTS: Loc = ("body", "role_assignments")


_contact_id = TypeAdapter(uuid.UUID)


def readable_removal(body: Any) -> PurchaserRemovalCreate | None:
    """What of ``body`` (the parsed JSON) the rules can check, or None if nothing is."""
    if not isinstance(body, dict):
        return None
    assignments = listed(body, "role_assignments", MOST_ASSIGNMENTS)
    read: dict[str, Any] = {
        "role_assignments": [
            readable_item(raw, RoleAssignment, "contact_id", _contact_id) for raw in assignments
        ],
        "approver": readable_approver(body.get("approver")),
    }
    return PurchaserRemovalCreate.model_construct(**read)


# Its workflow's input, and the command that applies it.
@dataclass(frozen=True)
class PurchaserRemovalInput(RequestInput):
    approval_reminder_seconds: int
    approval_expiry_seconds: int
    required_roles: tuple[Role, ...]


@dataclass(frozen=True)
class ApplyPurchaserRemoval:
    request_id: str
    actor: str
    at: datetime
    required_roles: tuple[Role, ...]
