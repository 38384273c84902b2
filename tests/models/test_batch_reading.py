import uuid
from typing import Any

from models.contact_change import (
    WHOLE_BATCH,
    AddContact,
    AddRoles,
    ContactChangeCreate,
    Unreadable,
    UpdateContact,
    contact_change_problems,
    readable_batch,
)
from models.contact_state import ContactState
from models.enums import Role, Side
from models.kinds import KINDS
from models.problems import Problem

DEREK = uuid.UUID("00000000-0000-4000-8000-000000000001")
TERESA = uuid.UUID("00000000-0000-4000-8000-000000000002")
REQUIRED = (Role.MANAGEMENT, Role.CUST_ADMIN, Role.FINANCIAL)
CONTACTS = [
    ContactState(
        DEREK,
        Side.CUSTOMER,
        {"email": "derek@energy.example.com"},
        frozenset({Role.MANAGEMENT, Role.CUST_ADMIN}),
    ),
    ContactState(
        TERESA, Side.CUSTOMER, {"email": "teresa@energy.example.com"}, frozenset({Role.FINANCIAL})
    ),
]
NEW = {"first_name": "Anna", "last_name": "Belle", "email": "anna@energy.example.com"}


def beside_schema(schema: Any, found: Any, whole: Any) -> Any:
    """The registry's reading whose problems about the whole list stand at ``whole``."""
    reading = next(k.reading for k in KINDS.values() if k.reading and k.reading.whole == whole)
    return reading.beside_schema(schema, found)


def read(*changes: Any) -> ContactChangeCreate:
    batch = readable_batch({"changes": list(changes)})
    assert batch is not None
    return batch


def problems(batch: ContactChangeCreate) -> list[tuple[tuple[str | int, ...], str]]:
    found = contact_change_problems(CONTACTS, batch, REQUIRED, None, frozenset())
    return [(p.loc, p.type) for p in found]


def test_a_valid_change_is_kept_as_the_schema_reads_it() -> None:
    batch = read({"op": "add_roles", "contact_id": str(TERESA), "roles": ["agreement"]})
    assert batch.changes == [AddRoles(op="add_roles", contact_id=TERESA, roles=[Role.AGREEMENT])]


def test_a_new_contact_with_a_malformed_email_still_holds_its_roles() -> None:
    batch = read(
        {"op": "add", "contact": {**NEW, "email": "not-an-email"}, "roles": ["financial"]},
        {"op": "remove_roles", "contact_id": str(TERESA), "roles": ["financial"]},
        {"op": "add_roles", "contact_id": str(TERESA), "roles": ["cust_admin"]},
    )
    added = batch.changes[0]
    assert isinstance(added, AddContact)
    details: tuple[object, ...] = (added.contact.email, added.contact.first_name, added.roles)
    assert details == (None, "Anna", [Role.FINANCIAL])
    assert batch.emails_given() == []
    assert problems(batch) == [], "the new contact keeps Financial held"


def test_an_update_keeps_its_valid_fields_only() -> None:
    batch = read(
        {
            "op": "update",
            "contact_id": str(DEREK),
            "fields": {"email": "bad", "phone": "+44 161 496 0999", "first_name": None},
        }
    )
    update = batch.changes[0]
    assert isinstance(update, UpdateContact)
    assert update.fields.given() == {"phone": "+44 161 496 0999"}
    assert batch.emails_given() == []


def test_what_cannot_be_read_keeps_its_place_and_takes_no_part() -> None:
    batch = read(
        {"op": "zap"},
        {"op": "remove", "contact_id": "nobody"},
        "not a change",
        {"op": "add", "contact": NEW, "roles": ["technical"], "side": "moon"},
        {"op": "remove_roles", "contact_id": str(DEREK), "roles": ["management"]},
    )
    assert all(isinstance(change, Unreadable) for change in batch.changes[:4])
    assert problems(batch) == [(("body", "changes"), "required_role_unheld")]


def test_a_new_contact_without_a_readable_role_has_none() -> None:
    batch = read({"op": "add", "contact": NEW, "roles": ["boss"]})
    assert problems(batch) == [(("body", "changes", 0, "roles"), "no_role_left")]


def test_a_body_without_readable_changes_is_not_read() -> None:
    bodies: list[Any] = [[], "x", {}, {"changes": []}, {"changes": "x"}, {"changes": [{}] * 101}]
    for body in bodies:
        assert readable_batch(body) is None


def test_a_malformed_approver_is_still_named() -> None:
    batch = readable_batch(
        {"changes": [{"op": "remove", "contact_id": str(DEREK)}], "approver": {"name": "A"}}
    )
    assert batch is not None and batch.approver is not None


def test_the_rules_say_nothing_more_where_the_schema_refused() -> None:
    found = [
        Problem(("body", "changes"), "required role", "required_role_unheld"),
        Problem(("body", "changes", 1, "roles"), "no role", "no_role_left"),
        Problem(("body", "changes", 2, "roles"), "not held", "role_not_held"),
        Problem(("body", "approver"), "missing", "approver_missing"),
    ]
    schema = [
        ("body", "changes", 0, "add", "contact", "email"),
        ("body", "changes", 1, "add", "roles"),
        ("body", "approver", "email"),
    ]
    assert beside_schema(schema, found, WHOLE_BATCH) == [found[0], found[2]]
