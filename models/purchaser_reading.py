"""A purchaser addition or removal the schema refused, read as far as its rules can still
check it, as ``batch_reading`` reads a contact-change batch.

What the rules look at is kept where the schema accepts it and left out where it does not:
a malformed responsibility, email or contact id is None, a role that is none is dropped,
and a malformed approver is kept as named, with what was typed (the rules about who may
approve still hold). Each contact and each assignment keeps its place, so that every
problem names the right position; what is not read at all (the purchaser's name and
address) takes part in no rule. Pure: no I/O.
"""

import uuid
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from models.batch_reading import readable_approver, readable_roles
from models.contact_fields import Email
from models.enums import Responsibility, Side
from models.problems import Loc
from models.purchaser_addition import (
    MOST_CONTACTS,
    Approvers,
    PurchaserAdditionCreate,
    PurchaserContact,
)
from models.purchaser_removal import MOST_ASSIGNMENTS, PurchaserRemovalCreate, RoleAssignment

# Where the rules' problems about every contact, or every assignment, at once stand.
ALL_CONTACTS: Loc = ("body", "contacts")
ALL_ASSIGNMENTS: Loc = ("body", "role_assignments")

_responsibility = TypeAdapter(Responsibility)
_email = TypeAdapter[str](Email)
_contact_id = TypeAdapter(uuid.UUID)
T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


def readable_addition(body: Any) -> PurchaserAdditionCreate | None:
    """What of ``body`` (the parsed JSON) the rules can check, or None if nothing is."""
    if not isinstance(body, dict):
        return None
    approvers = body.get("approvers")
    given = approvers if isinstance(approvers, dict) else {}
    named: dict[str, Any] = {side.value: readable_approver(given.get(side.value)) for side in Side}
    read: dict[str, Any] = {
        "responsibility": _valid(_responsibility, body.get("responsibility")),
        "contacts": [
            _readable_item(raw, PurchaserContact, "email", _email)
            for raw in _listed(body, "contacts", MOST_CONTACTS)
        ],
        "approvers": Approvers.model_construct(**named),
    }
    return PurchaserAdditionCreate.model_construct(**read)


def readable_removal(body: Any) -> PurchaserRemovalCreate | None:
    """What of ``body`` (the parsed JSON) the rules can check, or None if nothing is."""
    if not isinstance(body, dict):
        return None
    assignments = _listed(body, "role_assignments", MOST_ASSIGNMENTS)
    read: dict[str, Any] = {
        "role_assignments": [
            _readable_item(raw, RoleAssignment, "contact_id", _contact_id) for raw in assignments
        ],
        "approver": readable_approver(body.get("approver")),
    }
    return PurchaserRemovalCreate.model_construct(**read)


def _listed(body: dict[str, Any], name: str, most: int) -> list[Any]:
    """The list ``body`` gives as ``name``; none if it gives no list the schema could take
    (the schema's problem with the list then covers the rules' about all of it)."""
    listed = body.get(name, [])
    return listed if isinstance(listed, list) and len(listed) <= most else []


def _readable_item(raw: Any, model: type[M], name: str, adapter: TypeAdapter[Any]) -> M:
    """A contact or an assignment: its field ``name`` (an email, a contact id) and its
    roles, as the schema reads them or left out."""
    given = raw if isinstance(raw, dict) else {}
    read: dict[str, Any] = {name: _valid(adapter, given.get(name)), "roles": readable_roles(given)}
    return model.model_construct(**read)


def _valid(adapter: TypeAdapter[T], raw: Any) -> T | None:
    try:
        return adapter.validate_python(raw)
    except ValidationError:
        return None
