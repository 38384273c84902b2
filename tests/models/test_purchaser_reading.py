"""A purchaser addition or removal the schema refused, read as far as its rules can still
check it: a malformed field left out, the rest checked by the kind's own rules."""

import uuid
from typing import Any

from models.contact_state import ContactState
from models.enums import Responsibility, Role, Side
from models.kinds import KINDS
from models.purchaser_addition import (
    ALL_CONTACTS,
    PurchaserAdditionCreate,
    emails_of,
    purchaser_addition_problems,
    readable_addition,
)
from models.purchaser_removal import (
    ALL_ASSIGNMENTS,
    PurchaserRemovalCreate,
    purchaser_removal_problems,
    readable_removal,
)

DEREK = "derek@energy.example.com"
TERESA = uuid.UUID("00000000-0000-4000-8000-000000000002")
PAULA = uuid.UUID("00000000-0000-4000-8000-000000000003")
CONTACTS = [
    ContactState(TERESA, Side.CUSTOMER, {"email": "teresa@energy.example.com"}, frozenset()),
    ContactState(
        PAULA,
        Side.PURCHASER,
        {"email": "paula@partners.example.com"},
        frozenset({Role.FINANCIAL, Role.PURCHASER}),
    ),
]
REQUIRED = (Role.FINANCIAL,)
PERCY = {"name": "Percy", "email": "percy@partners.example.com"}


def beside_schema(schema: Any, found: Any, whole: Any) -> Any:
    """The registry's reading whose problems about the whole list stand at ``whole``."""
    reading = next(k.reading for k in KINDS.values() if k.reading and k.reading.whole == whole)
    return reading.beside_schema(schema, found)


def addition(**given: Any) -> PurchaserAdditionCreate:
    body = {
        "responsibility": "financial",
        "contacts": [{"email": "paula@partners.example.com", "roles": ["financial", "purchaser"]}],
        "approvers": {"customer": {"name": "Derek", "email": DEREK}, "purchaser": PERCY},
    } | given
    form = readable_addition(body)
    assert form is not None
    return form


def addition_problems(form: PurchaserAdditionCreate) -> list[tuple[tuple[str | int, ...], str]]:
    found = purchaser_addition_problems(form, DEREK, frozenset())
    return [(p.loc, p.type) for p in found]


def removal(**given: Any) -> PurchaserRemovalCreate:
    form = readable_removal({"approver": {"name": "Derek", "email": DEREK}} | given)
    assert form is not None
    return form


def removal_problems(form: PurchaserRemovalCreate) -> list[tuple[tuple[str | int, ...], str]]:
    found = purchaser_removal_problems(CONTACTS, form, REQUIRED, DEREK)
    return [(p.loc, p.type) for p in found]


def test_an_addition_with_a_malformed_email_is_still_checked_by_every_rule() -> None:
    form = addition(
        contacts=[
            {"first_name": 7, "email": "paula@", "roles": ["purchaser", "agreement", "nobody"]},
            {"email": "PAT@partners.example.com", "roles": "financial"},
        ]
    )
    assert [(c.email, c.roles) for c in form.contacts] == [
        (None, [Role.PURCHASER, Role.AGREEMENT]),
        ("pat@partners.example.com", []),
    ]
    assert emails_of(form) == ["pat@partners.example.com"]
    assert addition_problems(form) == [
        (("body", "contacts", 0, "roles"), "role_exclusivity"),
        (("body", "contacts"), "responsibility_unheld"),
        (("body", "approvers", "customer", "email"), "requester_approves"),
    ]


def test_an_addition_without_a_readable_responsibility_keeps_the_other_rules() -> None:
    taken = {"email": "paula@partners.example.com", "roles": ["agreement"]}
    form = addition(responsibility="everything", contacts=[taken, taken])
    assert form.responsibility is None
    assert [loc for loc, _ in addition_problems(form)] == [
        ("body", "contacts", 0, "email"),
        ("body", "contacts", 1, "email"),
        ("body", "approvers", "customer", "email"),
    ]


def test_an_addition_with_approvers_missing_or_malformed() -> None:
    assert addition(approvers=None).approvers.customer is None
    form = addition(approvers={"customer": {"email": DEREK.upper()}, "purchaser": "Percy"})
    assert addition_problems(form) == [
        (("body", "approvers", "customer", "email"), "requester_approves")
    ]
    assert readable_addition(["contacts"]) is None


def test_contacts_the_schema_cannot_take_are_none_read() -> None:
    for contacts in ("Paula", [{"roles": ["financial"]}] * 51):
        form = addition(contacts=contacts)
        assert form.contacts == []
        found = purchaser_addition_problems(form, None, frozenset())
        # Refused as a whole by the schema: the rule about all of them says nothing more.
        assert beside_schema([ALL_CONTACTS], found, ALL_CONTACTS) == []


def test_a_removal_with_an_unreadable_contact_and_approver() -> None:
    form = removal(
        role_assignments=[
            {"contact_id": "teresa", "roles": ["financial"]},
            {"contact_id": str(TERESA), "roles": ["purchaser", "chief"]},
        ],
        approver={"name": "Derek", "email": "derek@"},
    )
    assert [(a.contact_id, a.roles) for a in form.role_assignments] == [
        (None, [Role.FINANCIAL]),
        (TERESA, [Role.PURCHASER]),
    ]
    found = purchaser_removal_problems(CONTACTS, form, REQUIRED, DEREK)
    schema = [("body", "role_assignments", 0, "contact_id"), ("body", "approver", "email")]
    # Financial given to no readable contact is left unheld; the unreadable contact's own
    # problem is the schema's.
    assert [(p.loc, p.type) for p in beside_schema(schema, found, ALL_ASSIGNMENTS)] == [
        (("body", "role_assignments", 1, "roles"), "role_exclusivity"),
        (("body", "role_assignments"), "required_role_unheld"),
    ]


def test_a_removal_without_its_approver_is_checked_all_the_same() -> None:
    form = readable_removal({"role_assignments": [{"contact_id": str(PAULA), "roles": []}]})
    assert form is not None and form.approver is None
    assert removal_problems(form) == [
        (("body", "role_assignments", 0, "contact_id"), "not_customer_contact"),
        (("body", "role_assignments"), "required_role_unheld"),
    ]
    assert removal_problems(removal(approver={"name": "Derek", "email": DEREK})) == [
        (("body", "role_assignments"), "required_role_unheld"),
        (("body", "approver", "email"), "requester_approves"),
    ]
    assert readable_removal("remove it") is None


def test_a_problem_about_the_whole_list_stands_beside_one_about_an_item() -> None:
    form = addition(contacts=[{"email": "paula@", "roles": ["purchaser"]}])
    found = purchaser_addition_problems(form, None, frozenset())
    schema = [("body", "contacts", 0, "email")]
    assert form.responsibility is Responsibility.FINANCIAL
    assert [p.type for p in beside_schema(schema, found, ALL_CONTACTS)] == ["responsibility_unheld"]
