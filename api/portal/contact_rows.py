"""The Contacts Manager's form: its rows as posted, the batch they ask for (the difference
between the posted state and the contacts as they are), and, for each problem of that batch,
the form field it is about. Pure: no I/O.

Field names: an existing contact's row is ``c.<contact id>``, the n-th new row ``new.<n>``;
a detail is ``<row>.<detail>`` (``c.<id>.phone``), a role box ``<row>.role.<role>``, the
removal box ``c.<id>.delete``, a new row's organisation ``new.<n>.side``; ``<row>.roles``
names the row's roles as a whole (where a problem about them is shown), ``c.<id>.shown``
marks a contact the form showed, and ``approver.name`` and ``approver.email`` name the
purchaser's approver of a change to its side.
"""

import uuid
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from models.contact import ContactPublic
from models.contact_change import CHANGE_OPS
from models.contact_fields import DETAIL_FIELDS, person_name
from models.enums import Role, Side
from models.ids import ascii_number

REQUIRED_DETAILS = ("first_name", "last_name", "email")
NEW_ROWS = "new_rows"
MOST_NEW_ROWS = 50
DETAIL_LABELS = {
    "salutation": "Salutation",
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "phone": "Phone",
    "job_title": "Job title",
}
APPROVER_FIELDS = ("name", "email")


def contact_key(contact_id: uuid.UUID) -> str:
    return f"c.{contact_id}"


def new_key(number: int) -> str:
    return f"new.{number}"


@dataclass(frozen=True)
class ContactRow:
    """One row of the form: an existing contact (``contact_id``) or a new one (``number``),
    its details as typed and the roles ticked."""

    key: str
    details: dict[str, str]
    roles: frozenset[Role]
    contact_id: uuid.UUID | None = None
    number: int | None = None
    delete: bool = False
    name: str = ""  # the contact's name as it is, which its labels use
    side: Side = Side.CUSTOMER

    def blank(self) -> bool:
        return not self.roles and not any(self.details.values())


@dataclass(frozen=True)
class Origin:
    """Where a change of the batch came from: its row, its op and, for a change that takes
    roles away (a removal of roles or of the contact), those roles."""

    key: str
    op: str
    roles: frozenset[Role] = field(default_factory=frozenset)


def name_of(contact: ContactPublic) -> str:
    return person_name(contact.first_name, contact.last_name)


def current_row(contact: ContactPublic) -> ContactRow:
    """The row of ``contact`` as the form first shows it."""
    return ContactRow(
        key=contact_key(contact.id),
        details={name: getattr(contact, name) or "" for name in DETAIL_FIELDS},
        roles=frozenset(contact.roles),
        contact_id=contact.id,
        name=name_of(contact),
        side=contact.side,
    )


def new_row(number: int, posted: Mapping[str, str] | None = None) -> ContactRow:
    key = new_key(number)
    given = posted or {}
    return ContactRow(
        key=key,
        details={name: given.get(f"{key}.{name}", "").strip() for name in DETAIL_FIELDS},
        roles=_roles(given, key),
        number=number,
        side=Side.PURCHASER if given.get(f"{key}.side") == Side.PURCHASER.value else Side.CUSTOMER,
    )


def new_row_count(posted: Mapping[str, str]) -> int:
    """How many new rows the form had (at least one is always offered)."""
    count = ascii_number(posted.get(NEW_ROWS, "1"), 9) or 1
    return min(max(count, 1), MOST_NEW_ROWS)


def read_rows(
    posted: Mapping[str, str],
    contacts: Sequence[ContactPublic],
    offered: Callable[[Side], Collection[Role]] = lambda _side: tuple(Role),
) -> tuple[list[ContactRow], list[ContactRow]]:
    """The rows of ``contacts`` as posted (a contact the form did not show stays as it is,
    and so do the roles it holds that the form offered its side no box for) and the new
    rows."""
    rows = []
    for contact in contacts:
        key = contact_key(contact.id)
        if f"{key}.shown" not in posted:
            rows.append(current_row(contact))
            continue
        rows.append(
            ContactRow(
                key=key,
                details={name: posted.get(f"{key}.{name}", "").strip() for name in DETAIL_FIELDS},
                roles=_roles(posted, key)
                | (frozenset(contact.roles) - frozenset(offered(contact.side))),
                contact_id=contact.id,
                delete=f"{key}.delete" in posted,
                name=name_of(contact),
                side=contact.side,
            )
        )
    news = [new_row(number, posted) for number in range(1, new_row_count(posted) + 1)]
    return rows, news


def _roles(posted: Mapping[str, str], key: str) -> frozenset[Role]:
    return frozenset(role for role in Role if f"{key}.role.{role.value}" in posted)


def _ordered(roles: Iterable[Role]) -> list[str]:
    chosen = set(roles)
    return [role.value for role in Role if role in chosen]


def batch(
    contacts: Sequence[ContactPublic], rows: Sequence[ContactRow], new_rows: Sequence[ContactRow]
) -> tuple[list[dict[str, Any]], list[Origin]]:
    """The changes the posted rows ask for, as the API's batch reads them, and where each
    came from. A ticked Delete asks only for the removal; a blank new row asks nothing."""
    by_id = {contact.id: contact for contact in contacts}
    changes: list[dict[str, Any]] = []
    origins: list[Origin] = []
    for row in rows:
        contact = by_id.get(row.contact_id) if row.contact_id else None
        if contact is None:
            continue
        held = frozenset(contact.roles)
        if row.delete:
            changes.append({"op": "remove", "contact_id": str(contact.id)})
            origins.append(Origin(row.key, "remove", held))
            continue
        updated = _updated(contact, row)
        if updated:
            changes.append({"op": "update", "contact_id": str(contact.id), "fields": updated})
            origins.append(Origin(row.key, "update"))
        if row.roles - held:
            roles = _ordered(row.roles - held)
            changes.append({"op": "add_roles", "contact_id": str(contact.id), "roles": roles})
            origins.append(Origin(row.key, "add_roles"))
        if held - row.roles:
            roles = _ordered(held - row.roles)
            changes.append({"op": "remove_roles", "contact_id": str(contact.id), "roles": roles})
            origins.append(Origin(row.key, "remove_roles", held - row.roles))
    for row in new_rows:
        if row.blank():
            continue
        details: dict[str, Any] = {
            name: value for name, value in row.details.items() if value or name in REQUIRED_DETAILS
        }
        added = {"op": "add", "contact": details, "roles": _ordered(row.roles)}
        if row.side is Side.PURCHASER:
            added["side"] = row.side.value
        changes.append(added)
        origins.append(Origin(row.key, "add"))
    return changes, origins


def _updated(contact: ContactPublic, row: ContactRow) -> dict[str, Any]:
    """The details typed differently from the contact's: emptied optional ones as null."""
    updated: dict[str, Any] = {}
    for name in DETAIL_FIELDS:
        before = getattr(contact, name) or ""
        typed = row.details.get(name, "")
        same = typed.lower() == before.lower() if name == "email" else typed == before
        if not same:
            updated[name] = typed if typed or name in REQUIRED_DETAILS else None
    return updated


def approver(posted: Mapping[str, str]) -> dict[str, str] | None:
    """The purchaser's approver as typed, None when both fields are left empty."""
    typed = {name: posted.get(f"approver.{name}", "").strip() for name in APPROVER_FIELDS}
    return typed if any(typed.values()) else None


def field_of(
    loc: Sequence[str | int], origins: Sequence[Origin], role: Role | None = None
) -> str | None:
    """The form field a problem at ``loc`` (the API's, with or without ``body``, the
    schema's op tag or not) is about; None for one about no row.

    A required role left unheld (``role``, a problem about the whole batch) is put beside
    the roles of the first row that took that role away."""
    parts = list(loc)
    if parts[:1] == ["body"]:
        parts.pop(0)
    if parts[:1] == ["approver"]:
        named = str(parts[1]) if len(parts) > 1 else ""
        return f"approver.{named if named in APPROVER_FIELDS else 'email'}"
    if parts[:1] != ["changes"]:
        return None
    if len(parts) < 2 or not isinstance(parts[1], int):
        return _taker(origins, role)
    index = parts[1]
    if not 0 <= index < len(origins):
        return None
    origin = origins[index]
    rest = [str(part) for part in parts[2:]]
    if rest[:1] and rest[0] in CHANGE_OPS:
        rest.pop(0)
    if origin.op == "remove":
        return f"{origin.key}.delete"
    if rest[:1] in (["fields"], ["contact"]) and len(rest) > 1 and rest[1] in DETAIL_FIELDS:
        return f"{origin.key}.{rest[1]}"
    return f"{origin.key}.roles"


def _taker(origins: Sequence[Origin], role: Role | None) -> str | None:
    if role is None:
        return None
    for origin in origins:
        if role in origin.roles:
            return f"{origin.key}.delete" if origin.op == "remove" else f"{origin.key}.roles"
    return None
