"""A contact-change batch the schema refused, read as far as the rules can still check it.

Each change the schema accepts is kept as it is; one refused only in some of its fields
keeps its place with those fields left out (a new contact with a malformed email is still
a new contact holding its roles); one whose op or contact cannot be read keeps its place
as ``Unreadable``, which the rules pass over, so that every other problem names the right
position. The readings of the other kinds share its roles, its approver and
``beside_schema``. Pure: no I/O.
"""

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from models.contact_change import (
    CHANGE_OPS,
    AddContact,
    AddRoles,
    Change,
    ContactChangeCreate,
    DetailUpdates,
    NewContact,
    RemoveContact,
    RemoveRoles,
    UpdateContact,
)
from models.contact_fields import DETAIL_FIELDS, Approver
from models.enums import Role, Side
from models.problems import Loc, Problem

# The schema's own limit: past it, the batch is not read at all.
MOST_CHANGES = 100
WHOLE_BATCH: Loc = ("body", "changes")

_change = TypeAdapter[Change](Change)
_contact_id = TypeAdapter(uuid.UUID)
_side = TypeAdapter(Side)
_role = TypeAdapter(Role)


class Unreadable(BaseModel):
    """A change that cannot take part in the rules (an unknown op, no readable contact)."""

    op: str = "unreadable"


def readable_batch(body: Any) -> ContactChangeCreate | None:
    """What of ``body`` (the parsed JSON) the rules can check, or None if nothing is."""
    if not isinstance(body, dict):
        return None
    changes = body.get("changes")
    if not isinstance(changes, list) or not changes or len(changes) > MOST_CHANGES:
        return None
    # Unreadable stands in a place of the list: past the schema, not one of its changes.
    readable: list[Any] = [_readable_change(change) for change in changes]
    return ContactChangeCreate.model_construct(
        changes=readable,
        approver=readable_approver(body.get("approver")),
    )


def beside_schema(
    schema_locs: Iterable[Loc], problems: Sequence[Problem], whole: Loc
) -> list[Problem]:
    """The rules' ``problems`` that the schema's errors (at ``schema_locs``) do not already
    cover: one at, inside or around a field the schema refused says nothing more, except
    one about the ``whole`` list (a required role left unheld by the batch, say), which
    stands unless the schema refused the list itself."""
    refused = [_untagged(loc) for loc in schema_locs]
    return [
        problem
        for problem in problems
        if not any(_covered(problem.loc, loc, problem.loc == whole) for loc in refused)
    ]


def _readable_change(raw: Any) -> BaseModel:
    try:
        return _change.validate_python(raw)
    except ValidationError:
        pass
    if not isinstance(raw, dict) or raw.get("op") not in CHANGE_OPS:
        return Unreadable()
    op = raw["op"]
    if op == "add":
        return _readable_addition(raw)
    try:
        contact_id = _contact_id.validate_python(raw.get("contact_id"))
    except ValidationError:
        return Unreadable()
    if op == "remove":
        return RemoveContact.model_construct(op=op, contact_id=contact_id)
    if op == "update":
        fields = _readable_details(raw.get("fields"))
        return UpdateContact.model_construct(
            op=op,
            contact_id=contact_id,
            fields=DetailUpdates.model_construct(_fields_set=set(fields), **fields),
        )
    kind = AddRoles if op == "add_roles" else RemoveRoles
    return kind.model_construct(op=op, contact_id=contact_id, roles=readable_roles(raw))


def _readable_addition(raw: dict[str, Any]) -> BaseModel:
    try:
        side = _side.validate_python(raw.get("side", Side.CUSTOMER))
    except ValidationError:
        # Which side it joins decides what its roles may be: the rules cannot guess.
        return Unreadable()
    details = _readable_details(raw.get("contact"))
    every: dict[str, Any] = {name: details.get(name) for name in DETAIL_FIELDS}
    contact = NewContact.model_construct(**every)
    return AddContact.model_construct(
        op="add", contact=contact, roles=readable_roles(raw), side=side
    )


def _readable_details(raw: Any) -> dict[str, Any]:
    """The details of ``raw`` that are valid, each as the schema reads it."""
    if not isinstance(raw, dict):
        return {}
    readable = {}
    for name in DETAIL_FIELDS:
        if name not in raw:
            continue
        try:
            # The same types as a new contact's; a required detail may not be null.
            readable[name] = getattr(DetailUpdates.model_validate({name: raw[name]}), name)
        except ValidationError:
            continue
    return readable


def readable_roles(raw: dict[str, Any]) -> list[Role]:
    roles = raw.get("roles")
    if not isinstance(roles, list):
        return []
    readable: list[Role] = []
    for role in roles:
        try:
            readable.append(_role.validate_python(role))
        except ValidationError:
            continue
    return list(dict.fromkeys(readable))


def readable_approver(raw: Any) -> Approver | None:
    if raw is None:
        return None
    try:
        return Approver.model_validate(raw)
    except ValidationError:
        # Named, if malformed: the rules about whether one must be named still hold.
        given = raw if isinstance(raw, dict) else {}
        return Approver.model_construct(
            name=str(given.get("name", "")), email=str(given.get("email", ""))
        )


def _untagged(loc: Loc) -> Loc:
    """The schema's loc of a change names its op (``changes, 0, "add", "roles"``); the
    rules' do not."""
    if len(loc) > 3 and loc[:2] == WHOLE_BATCH and isinstance(loc[2], int) and loc[3] in CHANGE_OPS:
        return (*loc[:3], *loc[4:])
    return loc


def _covered(loc: Loc, refused: Loc, whole: bool) -> bool:
    """Whether a rule's problem at ``loc`` says nothing more than the schema's at ``refused``:
    it is at or inside it, or (unless about the whole list) around it."""
    if loc[: len(refused)] == refused:
        return True
    return not whole and refused[: len(loc)] == loc
