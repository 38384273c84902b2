"""Contact change: a batch of edits to a customer's contacts and roles, and its rules.

The rules are pure: they take the contacts as they are and the batch, and return every
problem at once. Problem messages name positions, ids and roles, never a person.
"""

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from models.asks import Asks, Standing, role_words
from models.common import Line, ShortLine
from models.contact_fields import DETAIL_FIELDS, Approver, Email, Phone, Roles, person_name
from models.contact_state import ContactState
from models.enums import Responsibility, Role, Side
from models.on_behalf import FilingForm
from models.payloads import RequestInput
from models.personal_data import is_erased
from models.problems import Loc, Problem
from models.reading import readable_approver, readable_roles
from models.roles import purchaser_roles, roles_not_allowed

REQUIRED_DETAILS = frozenset({"first_name", "last_name", "email"})


class NewContact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    salutation: ShortLine | None = None
    first_name: Line
    last_name: Line
    email: Email
    phone: Phone | None = None
    job_title: Line | None = None


class DetailUpdates(BaseModel):
    """Only the fields given change; ``null`` clears an optional one."""

    model_config = ConfigDict(extra="forbid")

    salutation: ShortLine | None = None
    first_name: Line | None = None
    last_name: Line | None = None
    email: Email | None = None
    phone: Phone | None = None
    job_title: Line | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> "DetailUpdates":
        if not self.model_fields_set:
            raise ValueError("name at least one field to change")
        cleared = {
            name for name in REQUIRED_DETAILS & self.model_fields_set if getattr(self, name) is None
        }
        if cleared:
            raise ValueError(f"{', '.join(sorted(cleared))} cannot be cleared")
        return self

    def given(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class UpdateContact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    op: Literal["update"]
    contact_id: uuid.UUID
    fields: DetailUpdates


class _RolesOfContact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    op: str
    contact_id: uuid.UUID
    roles: Roles


class AddRoles(_RolesOfContact):
    op: Literal["add_roles"]


class RemoveRoles(_RolesOfContact):
    op: Literal["remove_roles"]


class AddContact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    op: Literal["add"]
    contact: NewContact
    roles: Roles
    side: Side = Side.CUSTOMER


class RemoveContact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    op: Literal["remove"]
    contact_id: uuid.UUID


ContactEdit = Annotated[
    UpdateContact | AddRoles | RemoveRoles | AddContact | RemoveContact, Field(discriminator="op")
]
# Every op a change may have, as its schema names it.
CHANGE_OPS = ("update", "add_roles", "remove_roles", "add", "remove")
# The changes that name an existing contact.
_OF_A_CONTACT = (UpdateContact, AddRoles, RemoveRoles, RemoveContact)


class ContactChangeCreate(FilingForm):
    model_config = ConfigDict(extra="forbid")

    changes: Annotated[list[ContactEdit], Field(min_length=1, max_length=100)]
    # The purchaser's approver of a change to its side, named only when no purchaser
    # contact holds the Purchaser role (one who does approves it).
    approver: Approver | None = None

    def emails_given(self) -> list[str]:
        """The emails the batch gives: its new contacts', and those it changes to."""
        given = []
        for change in self.changes:
            # A batch read past the schema leaves a malformed email out (None).
            if isinstance(change, AddContact) and change.contact.email is not None:
                given.append(str(change.contact.email))
            elif isinstance(change, UpdateContact) and change.fields.email is not None:
                given.append(str(change.fields.email))
        return given


@dataclass
class _Outcome:
    contacts: list[ContactState]
    problems: list[Problem] = field(default_factory=list)


def project(current: Sequence[ContactState], batch: ContactChangeCreate) -> list[ContactState]:
    """The contacts as they would be after the batch (removed ones marked, not dropped)."""
    return _apply(current, batch).contacts


def contact_change_problems(
    current: Sequence[ContactState],
    batch: ContactChangeCreate,
    required_roles: Iterable[Role],
    purchaser: Responsibility | None,
    emails_elsewhere: frozenset[str],
) -> list[Problem]:
    """Every reason the batch cannot be applied to ``current``; empty when it can.

    ``emails_elsewhere`` holds the (lower-case) emails that contacts of other customers use.
    """
    outcome = _apply(current, batch)
    problems = outcome.problems
    living = [contact for contact in outcome.contacts if contact.change != "removed"]
    problems += _email_problems(batch, living, emails_elsewhere)
    problems += _role_problems(batch, current, living, purchaser)
    held = {role for contact in living for role in contact.roles}
    problems += [
        Problem(
            loc=("body", "changes"),
            msg=f"the required role {role.label} would be held by no contact",
            type="required_role_unheld",
            role=role,
        )
        for role in required_roles
        if role not in held
    ]
    return problems


def purchaser_side_changes(
    current: Sequence[ContactState], batch: ContactChangeCreate, purchaser: Responsibility | None
) -> list[int]:
    """The positions of the changes the purchaser must approve: those that add, edit or
    remove one of its contacts, or give a role of its side. None without a purchaser."""
    if purchaser is None:
        return []
    theirs = {contact.id for contact in current if contact.side is Side.PURCHASER}
    exclusive = purchaser_roles(purchaser)
    positions = []
    for index, change in enumerate(batch.changes):
        if isinstance(change, AddContact):
            touches = change.side is Side.PURCHASER or bool(set(change.roles) & exclusive)
        elif isinstance(change, _OF_A_CONTACT):
            touches = change.contact_id in theirs or (
                isinstance(change, AddRoles) and bool(set(change.roles) & exclusive)
            )
        if touches:
            positions.append(index)
    return positions


def purchasers_approver(current: Sequence[ContactState]) -> Approver | None:
    """The purchaser contact holding the Purchaser role, who approves changes to its side
    (the first, in the order the contacts are listed)."""
    for contact in current:
        if contact.side is Side.PURCHASER and Role.PURCHASER in contact.roles and contact.email:
            return Approver(name=contact.name, email=contact.email)
    return None


def purchaser_approver_problems(
    needed: bool, given: Approver | None, holder: Approver | None
) -> list[Problem]:
    """Whether the batch names the purchaser's approver as it must: only for a change the
    purchaser approves, and only when no purchaser contact holds the Purchaser role."""
    loc: tuple[str | int, ...] = ("body", "approver")
    if given is not None and not needed:
        return [
            Problem(
                loc,
                "only a change to the purchaser's side is approved: leave the approver out",
                "approver_not_needed",
            )
        ]
    if given is not None and holder is not None:
        return [
            Problem(
                loc,
                "a purchaser contact holds the Purchaser role and approves this change: "
                "leave the approver out",
                "approver_not_needed",
            )
        ]
    if needed and given is None and holder is None:
        return [
            Problem(
                loc,
                "this changes the purchaser's side, and no purchaser contact holds the "
                "Purchaser role: name the purchaser's approver",
                "approver_missing",
            )
        ]
    return []


def _loc(index: int, *rest: str) -> tuple[str | int, ...]:
    return ("body", "changes", index, *rest)


def _apply(current: Sequence[ContactState], batch: ContactChangeCreate) -> _Outcome:
    by_id = {contact.id: contact for contact in current}
    outcome = _Outcome(contacts=[])
    problems = outcome.problems
    touched: dict[uuid.UUID, list[int]] = defaultdict(list)
    for index, change in enumerate(batch.changes):
        # Additions name no contact; a change read past the schema may name none either.
        if not isinstance(change, _OF_A_CONTACT):
            continue
        if change.contact_id not in by_id:
            problems.append(
                Problem(
                    _loc(index, "contact_id"), "no such contact at this customer", "unknown_contact"
                )
            )
        else:
            touched[change.contact_id].append(index)

    removed = {
        change.contact_id
        for change in batch.changes
        if isinstance(change, RemoveContact) and change.contact_id in by_id
    }
    for contact_id, indexes in touched.items():
        problems += _contradictions(contact_id, [(i, batch.changes[i]) for i in indexes], removed)

    for contact in current:
        indexes = touched.get(contact.id, []) if contact.id is not None else []
        outcome.contacts.append(_changed(contact, [batch.changes[i] for i in indexes]))
    for index, change in enumerate(batch.changes):
        if isinstance(change, AddContact):
            outcome.contacts.append(
                ContactState(
                    id=None,
                    side=change.side,
                    details={name: getattr(change.contact, name) for name in DETAIL_FIELDS},
                    roles=frozenset(change.roles),
                    change="added",
                    origin=index,
                )
            )
    return outcome


def _changed(contact: ContactState, changes: Sequence[ContactEdit]) -> ContactState:
    if not changes:
        return contact
    if any(isinstance(change, RemoveContact) for change in changes):
        return replace(contact, change="removed")
    details = dict(contact.details)
    roles = set(contact.roles)
    for change in changes:
        if isinstance(change, UpdateContact):
            details.update(change.fields.given())
        elif isinstance(change, AddRoles):
            roles |= set(change.roles)
        elif isinstance(change, RemoveRoles):
            roles -= set(change.roles)
    return replace(contact, details=details, roles=frozenset(roles), change="updated")


def _contradictions(
    contact_id: uuid.UUID, changes: list[tuple[int, ContactEdit]], removed: set[uuid.UUID]
) -> list[Problem]:
    problems: list[Problem] = []
    if contact_id in removed:
        removals = [index for index, change in changes if isinstance(change, RemoveContact)]
        for index, change in changes:
            if not isinstance(change, RemoveContact) or index != removals[0]:
                problems.append(
                    Problem(
                        _loc(index),
                        "this contact is also being removed in the same request",
                        "contradictory_change",
                    )
                )
        return problems

    added: dict[Role, int] = {}
    dropped: dict[Role, int] = {}
    fields: dict[str, tuple[int, Any]] = {}
    for index, change in changes:
        if isinstance(change, AddRoles):
            added.update({role: index for role in change.roles})
        elif isinstance(change, RemoveRoles):
            dropped.update({role: index for role in change.roles})
        elif isinstance(change, UpdateContact):
            for name, value in change.fields.given().items():
                if name in fields and fields[name][1] != value:
                    problems.append(
                        Problem(
                            _loc(index, "fields", name),
                            f"{name} is set to different values by changes "
                            f"{fields[name][0]} and {index}",
                            "contradictory_change",
                        )
                    )
                fields.setdefault(name, (index, value))
    for role in sorted(added.keys() & dropped.keys()):
        problems.append(
            Problem(
                _loc(dropped[role], "roles"),
                f"the role {role.label} is both added (change {added[role]}) and removed",
                "contradictory_change",
            )
        )
    return problems


def _email_problems(
    batch: ContactChangeCreate, living: Sequence[ContactState], emails_elsewhere: frozenset[str]
) -> list[Problem]:
    problems: list[Problem] = []
    counts = Counter(contact.email for contact in living if contact.email)
    for index, change in enumerate(batch.changes):
        email = _email_given(change)
        if email is None:
            continue
        loc = (
            _loc(index, "contact", "email")
            if isinstance(change, AddContact)
            else _loc(index, "fields", "email")
        )
        if email in emails_elsewhere or counts[email] > 1:
            problems.append(
                Problem(loc, "this email is already used by another account", "email_in_use")
            )
    return problems


def _email_given(change: ContactEdit) -> str | None:
    if isinstance(change, AddContact):
        return str(change.contact.email).lower() if change.contact.email is not None else None
    if isinstance(change, UpdateContact) and change.fields.email is not None:
        return str(change.fields.email).lower()
    return None


def _role_problems(
    batch: ContactChangeCreate,
    current: Sequence[ContactState],
    living: Sequence[ContactState],
    purchaser: Responsibility | None,
) -> list[Problem]:
    problems: list[Problem] = []
    before = {contact.id: contact.roles for contact in current}
    for index, change in enumerate(batch.changes):
        if isinstance(change, AddRoles) and change.contact_id in before:
            for role in change.roles:
                if role in before[change.contact_id]:
                    problems.append(
                        Problem(
                            _loc(index, "roles"),
                            f"the contact already holds {role.label}",
                            "role_already_held",
                        )
                    )
        elif isinstance(change, RemoveRoles) and change.contact_id in before:
            for role in change.roles:
                if role not in before[change.contact_id]:
                    problems.append(
                        Problem(
                            _loc(index, "roles"),
                            f"the contact does not hold {role.label}",
                            "role_not_held",
                        )
                    )
    # Only what the batch touches answers to these rules: a contact left without a role by a
    # purchaser taking its roles over does not block unrelated changes.
    for contact in (c for c in living if c.change != "unchanged"):
        if not contact.roles:
            problems.append(
                Problem(
                    _blame(batch, contact, RemoveRoles, contact.roles),
                    "a contact must keep at least one role: remove the contact instead",
                    "no_role_left",
                )
            )
        forbidden = roles_not_allowed(contact.side, contact.roles, purchaser)
        if forbidden:
            names = ", ".join(sorted(role.label for role in forbidden))
            where = (
                "with no purchaser assigned"
                if purchaser is None
                else f"on a {contact.side.value} contact"
            )
            problems.append(
                Problem(
                    _blame(batch, contact, AddRoles, forbidden),
                    f"{names} cannot be held {where} (role exclusivity)",
                    "role_exclusivity",
                )
            )
        if contact.side is Side.PURCHASER and purchaser is None and contact.change == "added":
            problems.append(
                Problem(
                    _loc(contact.origin or 0, "side"),
                    "there is no purchaser to add a contact to",
                    "no_purchaser",
                )
            )
    return problems


def _blame(
    batch: ContactChangeCreate,
    contact: ContactState,
    kind: type[AddRoles] | type[RemoveRoles],
    roles: frozenset[Role],
) -> tuple[str | int, ...]:
    """The change that made ``contact`` what it is, for the problem's loc: the one that
    touched ``roles`` if any, else the last of ``kind`` for that contact."""
    if contact.origin is not None:
        return _loc(contact.origin, "roles")
    candidates = [
        (index, change)
        for index, change in enumerate(batch.changes)
        if isinstance(change, kind) and change.contact_id == contact.id
    ]
    touching = [index for index, change in candidates if roles & set(change.roles)]
    chosen = touching or [index for index, _ in candidates]
    return _loc(chosen[-1], "roles") if chosen else ("body", "changes")


def stored_batch(requested: dict[str, Any]) -> ContactChangeCreate:
    """A stored batch as the rules read it. A change whose person has been erased since
    stays in its place as a removal of that contact (or of none, for an addition): the
    contact is no longer there, so the rules report it, at its position, as unknown."""
    changes = [
        {"op": "remove", "contact_id": change.get("contact_id") or str(uuid.UUID(int=0))}
        if change.get("op") in ("update", "add") and is_erased(change)
        else change
        for change in requested.get("changes", [])
    ]
    # The approver signs the batch off; erased since, they may be blank.
    return ContactChangeCreate.model_validate({"changes": changes})


def asks(requested: dict[str, Any], standing: Standing) -> Asks:
    """The changes to the purchaser's side, each in words: the purchaser approves those."""
    batch = stored_batch(requested)
    responsibility = standing.purchaser.responsibility if standing.purchaser else None
    theirs = purchaser_side_changes(standing.contacts, batch, responsibility)
    purchaser = standing.purchaser_name
    return Asks(
        what=f"change the contacts or roles of {purchaser}, its purchaser organisation",
        subject=f"changes to {purchaser}'s contacts at {standing.customer_name}",
        facts=[("Purchaser", purchaser)],
        list_title="The changes to the purchaser's side:",
        items=[change_in_words(batch.changes[index], standing) for index in theirs],
        why="A change to the purchaser's side needs the purchaser's approval.",
    )


def change_in_words(change: ContactEdit, standing: Standing) -> str:
    if isinstance(change, AddContact):
        new = change.contact
        return (
            f"Add {person_name(new.first_name, new.last_name)} ({new.email}) "
            f"with {role_words(change.roles)}"
        )
    who = standing.name_of(change.contact_id)
    if isinstance(change, RemoveContact):
        return f"Remove {who}"
    if isinstance(change, AddRoles):
        return f"{who}: give {role_words(change.roles)}"
    if isinstance(change, RemoveRoles):
        return f"{who}: take away {role_words(change.roles)}"
    given = ", ".join(
        f"{name.replace('_', ' ')} {value if value is not None else '(cleared)'}"
        for name, value in change.fields.given().items()
    )
    return f"{who}: new {given}"


# A batch the schema refused, read as far as the rules can still check it. Each change the
# schema accepts is kept; one refused only in some of its fields keeps its place with those
# fields left out; one whose op or contact cannot be read keeps its place as ``Unreadable``,
# which the rules pass over.
# The schema's own limit: past it, the batch is not read at all.
MOST_CHANGES = 100


WHOLE_BATCH: Loc = ("body", "changes")


_change = TypeAdapter[ContactEdit](ContactEdit)


_read_contact_id = TypeAdapter(uuid.UUID)


_side = TypeAdapter(Side)


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
        contact_id = _read_contact_id.validate_python(raw.get("contact_id"))
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


# Its workflow's input, and the command that applies it.
@dataclass(frozen=True)
class ContactChangeInput(RequestInput):
    required_roles: tuple[Role, ...]
    activation_expiry_seconds: int
    # The purchaser approves a change to its side first; runs begun before carry none.
    approval_sides: tuple[Side, ...] = ()
    approval_reminder_seconds: int = 0
    approval_expiry_seconds: int = 0


@dataclass(frozen=True)
class ApplyContactChange:
    request_id: str
    actor: str
    at: datetime
    required_roles: tuple[Role, ...]
    activation_expiry_seconds: int
