import uuid
from collections.abc import Iterable, Sequence
from typing import Any

import pytest
from pydantic import ValidationError

from models.contact_change import (
    AddRoles,
    ContactChangeCreate,
    NewContact,
    contact_change_problems,
    project,
)
from models.contact_state import ContactState
from models.enums import Responsibility, Role, Side
from models.problems import Problem
from models.roles import purchaser_roles, roles_not_allowed

Loc = tuple[str | int, ...]

DEREK = uuid.UUID("00000000-0000-4000-8000-000000000001")
TERESA = uuid.UUID("00000000-0000-4000-8000-000000000002")
TIMOTHY = uuid.UUID("00000000-0000-4000-8000-000000000003")
URSULA = uuid.UUID("00000000-0000-4000-8000-000000000004")
PAULA = uuid.UUID("00000000-0000-4000-8000-000000000005")
PETER = uuid.UUID("00000000-0000-4000-8000-000000000006")
UNKNOWN = uuid.UUID("00000000-0000-4000-8000-0000000000ff")

REQUIRED = (Role.MANAGEMENT, Role.CUST_ADMIN, Role.FINANCIAL, Role.AGREEMENT)
ELSEWHERE = frozenset({"olive.ther@northwind.example.com"})

# What each responsibility reserves for purchaser contacts, written out rather than derived.
EXCLUSIVE = {
    Responsibility.FINANCIAL: {Role.FINANCIAL, Role.PURCHASER},
    Responsibility.CONTRACTUAL: {Role.AGREEMENT, Role.PURCHASER},
    Responsibility.BOTH: {Role.FINANCIAL, Role.AGREEMENT, Role.PURCHASER},
}


def person(
    contact_id: uuid.UUID,
    salutation: str,
    first_name: str,
    last_name: str,
    roles: Iterable[Role],
    side: Side = Side.CUSTOMER,
    phone: str | None = None,
) -> ContactState:
    return ContactState(
        id=contact_id,
        side=side,
        details={
            "salutation": salutation,
            "first_name": first_name,
            "last_name": last_name,
            "email": f"{first_name}.{last_name}@example-energy.example.com".lower(),
            "phone": phone,
            "job_title": None,
        },
        roles=frozenset(roles),
    )


DEMO = (
    person(DEREK, "Mr", "Derek", "Emonstration", [Role.MANAGEMENT, Role.CUST_ADMIN], phone="+44 1"),
    person(TERESA, "Mrs", "Teresa", "Echie", [Role.FINANCIAL]),
    person(TIMOTHY, "Mr", "Timothy", "Ester", [Role.TECHNICAL]),
    person(URSULA, "Ms", "Ursula", "Ser", [Role.AGREEMENT, Role.FINANCIAL]),
)
DEREK_EMAIL = "derek.emonstration@example-energy.example.com"
URSULA_EMAIL = "ursula.ser@example-energy.example.com"
TIMOTHY_EMAIL = "timothy.ester@example-energy.example.com"


# The changes of a batch, as a client sends them.


def update(contact_id: uuid.UUID, **fields: Any) -> dict[str, Any]:
    return {"op": "update", "contact_id": str(contact_id), "fields": fields}


def add_roles(contact_id: uuid.UUID, *roles: str) -> dict[str, Any]:
    return {"op": "add_roles", "contact_id": str(contact_id), "roles": list(roles)}


def remove_roles(contact_id: uuid.UUID, *roles: str) -> dict[str, Any]:
    return {"op": "remove_roles", "contact_id": str(contact_id), "roles": list(roles)}


def remove(contact_id: uuid.UUID) -> dict[str, Any]:
    return {"op": "remove", "contact_id": str(contact_id)}


def new_contact(**overrides: Any) -> dict[str, Any]:
    return {
        "salutation": "Ms",
        "first_name": "Annabelle",
        "last_name": "Greement",
        "email": "annabelle.greement@example-energy.example.com",
        "phone": "+44 113 496 0000",
        "job_title": "Contracts Manager",
        **overrides,
    }


def add(*roles: str, side: str | None = None, **contact: Any) -> dict[str, Any]:
    change: dict[str, Any] = {"op": "add", "contact": new_contact(**contact), "roles": list(roles)}
    if side is not None:
        change["side"] = side
    return change


def batch(*changes: dict[str, Any]) -> ContactChangeCreate:
    return ContactChangeCreate.model_validate({"changes": list(changes)})


def problems_of(
    *changes: dict[str, Any],
    current: Sequence[ContactState] = DEMO,
    required: Iterable[Role] = REQUIRED,
    purchaser: Responsibility | None = None,
    elsewhere: frozenset[str] = ELSEWHERE,
) -> list[Problem]:
    return contact_change_problems(current, batch(*changes), required, purchaser, elsewhere)


def found(
    *changes: dict[str, Any],
    current: Sequence[ContactState] = DEMO,
    required: Iterable[Role] = REQUIRED,
    purchaser: Responsibility | None = None,
    elsewhere: frozenset[str] = ELSEWHERE,
) -> list[tuple[Loc, str]]:
    """The (loc, type) of every problem, in a stable order."""
    problems = problems_of(
        *changes, current=current, required=required, purchaser=purchaser, elsewhere=elsewhere
    )
    return sorted(((problem.loc, problem.type) for problem in problems), key=repr)


def at(index: int, *rest: str | int) -> Loc:
    return ("body", "changes", index, *rest)


# The reference's worked example.

REFERENCE_EXAMPLE = (
    update(DEREK, phone="+44 113 496 0123"),
    remove(TIMOTHY),
    add_roles(TERESA, "cust_admin"),
    remove_roles(TERESA, "financial"),
    add("agreement"),
)


def test_reference_example_is_accepted() -> None:
    assert problems_of(*REFERENCE_EXAMPLE) == []


def test_reference_example_projection() -> None:
    derek, teresa, timothy, ursula = DEMO

    projected = project(DEMO, batch(*REFERENCE_EXAMPLE))

    assert [(contact.id, contact.change, set(contact.roles)) for contact in projected] == [
        (DEREK, "updated", {Role.MANAGEMENT, Role.CUST_ADMIN}),
        (TERESA, "updated", {Role.CUST_ADMIN}),
        (TIMOTHY, "removed", {Role.TECHNICAL}),
        (URSULA, "unchanged", {Role.AGREEMENT, Role.FINANCIAL}),
        (None, "added", {Role.AGREEMENT}),
    ]
    assert projected[0].details == {**derek.details, "phone": "+44 113 496 0123"}
    assert projected[1].details == teresa.details
    assert projected[2].details == timothy.details
    assert projected[3] == ursula
    annabelle = projected[4]
    assert annabelle.side is Side.CUSTOMER
    assert annabelle.origin == 4
    assert annabelle.details == new_contact()
    assert annabelle.email == "annabelle.greement@example-energy.example.com"


def test_project_leaves_the_current_contacts_alone() -> None:
    before = [ContactState(c.id, c.side, dict(c.details), c.roles) for c in DEMO]

    project(DEMO, batch(*REFERENCE_EXAMPLE))

    assert list(DEMO) == before


def test_an_unassigned_required_role_may_be_set_by_the_caller() -> None:
    # Technical is not required by default; a deployment may require it.
    assert found(remove(TIMOTHY), required=(*REQUIRED, Role.TECHNICAL)) == [
        (("body", "changes"), "required_role_unheld")
    ]
    assert found(remove(TIMOTHY), required=()) == []


# One rule at a time.


@pytest.mark.parametrize(
    "change",
    [
        update(UNKNOWN, phone="+44 1"),
        add_roles(UNKNOWN, "technical"),
        remove_roles(UNKNOWN, "technical"),
        remove(UNKNOWN),
    ],
    ids=["update", "add_roles", "remove_roles", "remove"],
)
def test_unknown_contact(change: dict[str, Any]) -> None:
    assert found(change) == [(at(0, "contact_id"), "unknown_contact")]


def test_a_contact_of_another_customer_is_unknown() -> None:
    northwind = [person(UNKNOWN, "Ms", "Olive", "Ther", REQUIRED)]

    assert found(remove(DEREK), current=northwind) == [(at(0, "contact_id"), "unknown_contact")]


@pytest.mark.parametrize(
    "other",
    [
        update(TIMOTHY, phone="+44 1"),
        add_roles(TIMOTHY, "security"),
        remove_roles(TIMOTHY, "technical"),
        remove(TIMOTHY),
    ],
    ids=["update", "add_roles", "remove_roles", "removed-twice"],
)
@pytest.mark.parametrize("removal_first", [True, False])
def test_a_removed_contact_cannot_also_be_changed(
    other: dict[str, Any], removal_first: bool
) -> None:
    changes = (remove(TIMOTHY), other) if removal_first else (other, remove(TIMOTHY))
    # A second removal is the contradiction, whichever way round; otherwise the other change.
    blamed = 1 if removal_first or other["op"] == "remove" else 0

    assert found(*changes) == [(at(blamed), "contradictory_change")]


def test_a_role_added_and_removed_for_one_contact() -> None:
    # Ursula holds Financial: adding it is also wrong, and both are said.
    assert found(add_roles(URSULA, "financial"), remove_roles(URSULA, "financial")) == [
        (at(0, "roles"), "role_already_held"),
        (at(1, "roles"), "contradictory_change"),
    ]
    # Removal first: the contradiction is still blamed on the removal.
    assert found(
        remove_roles(URSULA, "procurement"),
        update(URSULA, job_title="Buyer"),
        add_roles(URSULA, "procurement", "security"),
    ) == [
        (at(0, "roles"), "contradictory_change"),
        (at(0, "roles"), "role_not_held"),
    ]


def test_a_role_added_to_one_contact_and_removed_from_another_is_fine() -> None:
    assert found(add_roles(TERESA, "agreement"), remove_roles(URSULA, "agreement")) == []


def test_two_updates_setting_one_field_to_different_values() -> None:
    assert found(
        update(DEREK, phone="+44 2", job_title="Director"),
        update(DEREK, phone="+44 3"),
    ) == [(at(1, "fields", "phone"), "contradictory_change")]


@pytest.mark.parametrize(
    "second",
    [{"phone": "+44 2"}, {"job_title": "Director"}, {"first_name": "Del"}],
    ids=["same-value", "job-title", "first-name"],
)
def test_two_updates_that_agree_are_fine(second: dict[str, Any]) -> None:
    assert found(update(DEREK, phone="+44 2"), update(DEREK, **second)) == []


def test_clearing_a_field_twice_and_clearing_versus_setting() -> None:
    assert found(update(DEREK, phone=None), update(DEREK, phone=None)) == []
    assert found(update(DEREK, phone=None), update(DEREK, phone="+44 2")) == [
        (at(1, "fields", "phone"), "contradictory_change")
    ]


def test_adding_a_role_already_held() -> None:
    assert found(add_roles(URSULA, "security", "agreement")) == [
        (at(0, "roles"), "role_already_held")
    ]


def test_removing_a_role_not_held() -> None:
    assert found(remove_roles(URSULA, "financial", "technical")) == [
        (at(0, "roles"), "role_not_held")
    ]


def test_a_contact_left_with_no_role() -> None:
    assert found(update(TIMOTHY, job_title="Engineer"), remove_roles(TIMOTHY, "technical")) == [
        (at(1, "roles"), "no_role_left")
    ]


def test_a_contact_with_no_role_left_may_be_given_another() -> None:
    assert found(remove_roles(TIMOTHY, "technical"), add_roles(TIMOTHY, "security")) == []


@pytest.mark.parametrize(
    "role, changes",
    [
        (Role.MANAGEMENT, [remove_roles(DEREK, "management")]),
        (Role.CUST_ADMIN, [remove_roles(DEREK, "cust_admin")]),
        (Role.FINANCIAL, [remove(TERESA), remove_roles(URSULA, "financial")]),
        (Role.AGREEMENT, [remove_roles(URSULA, "agreement")]),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_each_required_role_left_unheld(role: Role, changes: list[dict[str, Any]]) -> None:
    problems = problems_of(*changes)

    assert [(problem.loc, problem.type) for problem in problems] == [
        (("body", "changes"), "required_role_unheld")
    ]
    assert problems[0].role is role
    assert role.label in problems[0].msg


def test_removing_the_only_holder_of_two_required_roles() -> None:
    problems = problems_of(remove(DEREK))

    assert [(problem.loc, problem.type) for problem in problems] == [
        (("body", "changes"), "required_role_unheld"),
        (("body", "changes"), "required_role_unheld"),
    ]
    assert [problem.role for problem in problems] == [Role.MANAGEMENT, Role.CUST_ADMIN]
    assert "Cust Admin" in problems[1].msg


def test_a_required_role_may_move_to_a_new_contact() -> None:
    assert found(remove(DEREK), add("management", "cust_admin")) == []


@pytest.mark.parametrize(
    "email",
    [DEREK_EMAIL, DEREK_EMAIL.upper(), "Derek.Emonstration@Example-Energy.example.com"],
    ids=["same", "upper", "mixed"],
)
def test_a_new_contact_with_an_email_used_at_this_customer(email: str) -> None:
    assert found(add("agreement", email=email)) == [(at(0, "contact", "email"), "email_in_use")]


def test_a_new_contact_with_an_email_used_at_another_customer() -> None:
    assert found(add("agreement", email="Olive.Ther@northwind.example.com")) == [
        (at(0, "contact", "email"), "email_in_use")
    ]


def test_an_update_to_an_email_in_use() -> None:
    assert found(update(TERESA, email=URSULA_EMAIL.upper())) == [
        (at(0, "fields", "email"), "email_in_use")
    ]
    assert found(update(TERESA, email="olive.ther@northwind.example.com")) == [
        (at(0, "fields", "email"), "email_in_use")
    ]


def test_an_update_keeping_the_contacts_own_email_is_fine() -> None:
    assert found(update(DEREK, email=DEREK_EMAIL.upper())) == []


def test_two_contacts_may_swap_emails() -> None:
    assert found(update(DEREK, email=URSULA_EMAIL), update(URSULA, email=DEREK_EMAIL)) == []


def test_two_new_contacts_with_the_same_email() -> None:
    assert found(
        add("agreement", email="ann@example.com"),
        add("technical", first_name="Anne", email="ANN@example.com"),
    ) == [
        (at(0, "contact", "email"), "email_in_use"),
        (at(1, "contact", "email"), "email_in_use"),
    ]


def test_a_new_contact_and_an_update_to_the_same_email() -> None:
    assert found(
        add("agreement", email="ann@example.com"), update(TERESA, email="ann@example.com")
    ) == [
        (at(0, "contact", "email"), "email_in_use"),
        (at(1, "fields", "email"), "email_in_use"),
    ]


def test_a_removed_contacts_email_may_be_reused_by_a_new_contact() -> None:
    changes = (remove(TIMOTHY), add("technical", email=TIMOTHY_EMAIL))

    assert found(*changes) == []
    assert [contact.email for contact in project(DEMO, batch(*changes))].count(TIMOTHY_EMAIL) == 2


def test_a_removed_contacts_email_may_be_taken_over_by_another_contact() -> None:
    assert found(remove(TIMOTHY), update(TERESA, email=TIMOTHY_EMAIL)) == []


# Role exclusivity with no purchaser assigned.


def test_no_purchaser_role_without_a_purchaser() -> None:
    assert found(add_roles(TIMOTHY, "purchaser")) == [(at(0, "roles"), "role_exclusivity")]
    assert found(add("agreement", "purchaser")) == [(at(0, "roles"), "role_exclusivity")]


def test_no_purchaser_contact_without_a_purchaser() -> None:
    assert found(add("agreement", side="purchaser")) == [(at(0, "side"), "no_purchaser")]


def test_customer_contacts_hold_every_other_role_without_a_purchaser() -> None:
    every_other = [role.value for role in Role if role is not Role.PURCHASER]

    assert found(add(*every_other)) == []


# Role exclusivity with a purchaser assigned.


def with_purchaser(responsibility: Responsibility) -> tuple[ContactState, ...]:
    """A consistent customer: the required roles spread over both sides by responsibility."""
    exclusive = EXCLUSIVE[responsibility]
    return (
        person(DEREK, "Mr", "Derek", "Emonstration", set(REQUIRED) - exclusive),
        person(TIMOTHY, "Mr", "Timothy", "Ester", [Role.TECHNICAL]),
        person(PAULA, "Ms", "Paula", "Urchaser", set(REQUIRED) & exclusive, side=Side.PURCHASER),
        person(PETER, "Mr", "Peter", "Urchaser", [Role.PURCHASER], side=Side.PURCHASER),
    )


def exclusivity_cases() -> list[tuple[Responsibility, Role, Side]]:
    return [(resp, role, side) for resp in Responsibility for role in Role for side in Side]


@pytest.mark.parametrize("responsibility", list(Responsibility))
def test_a_consistent_customer_with_a_purchaser_accepts_a_harmless_change(
    responsibility: Responsibility,
) -> None:
    current = with_purchaser(responsibility)

    assert found(update(PAULA, phone="+49 30 1"), current=current, purchaser=responsibility) == []


@pytest.mark.parametrize("responsibility, role, side", exclusivity_cases())
def test_exclusivity_of_a_new_contact(
    responsibility: Responsibility, role: Role, side: Side
) -> None:
    allowed = (role in EXCLUSIVE[responsibility]) == (side is Side.PURCHASER)

    problems = found(
        add(role.value, side=side.value),
        current=with_purchaser(responsibility),
        purchaser=responsibility,
    )

    assert problems == ([] if allowed else [(at(0, "roles"), "role_exclusivity")])


@pytest.mark.parametrize("responsibility, role, side", exclusivity_cases())
def test_exclusivity_of_an_added_role(
    responsibility: Responsibility, role: Role, side: Side
) -> None:
    current = with_purchaser(responsibility)
    contact = next(c for c in current if c.side is side and role not in c.roles)
    allowed = (role in EXCLUSIVE[responsibility]) == (side is Side.PURCHASER)
    assert contact.id is not None

    problems = found(
        update(contact.id, job_title="Officer"),
        add_roles(contact.id, role.value),
        current=current,
        purchaser=responsibility,
    )

    assert problems == ([] if allowed else [(at(1, "roles"), "role_exclusivity")])


@pytest.mark.parametrize(
    "responsibility, refused",
    [
        (Responsibility.FINANCIAL, "Financial"),
        (Responsibility.CONTRACTUAL, "Agreement"),
        (Responsibility.BOTH, "Agreement, Financial"),
    ],
)
def test_exclusivity_names_the_refused_roles(responsibility: Responsibility, refused: str) -> None:
    problems = problems_of(
        add("financial", "agreement", "purchaser", "technical", side="purchaser"),
        add("financial", "agreement", "technical", email="ann@example.com"),
        current=with_purchaser(responsibility),
        purchaser=responsibility,
    )

    assert [(problem.loc, problem.type) for problem in problems] == [
        (at(0, "roles"), "role_exclusivity"),
        (at(1, "roles"), "role_exclusivity"),
    ]
    on_purchaser = sorted({"Financial", "Agreement", "Technical"} - set(refused.split(", ")))
    assert ", ".join(on_purchaser) in problems[0].msg
    assert refused in problems[1].msg


@pytest.mark.parametrize("purchaser", [None, Responsibility.FINANCIAL])
def test_exclusivity_is_blamed_on_the_change_adding_the_refused_role(
    purchaser: Responsibility | None,
) -> None:
    current = DEMO if purchaser is None else with_purchaser(purchaser)
    refused = "purchaser" if purchaser is None else "financial"

    assert found(
        add_roles(TIMOTHY, "security"),
        add_roles(TIMOTHY, refused),
        current=current,
        purchaser=purchaser,
    ) == [(at(1, "roles"), "role_exclusivity")]


def test_a_purchaser_contact_is_allowed_with_a_purchaser() -> None:
    current = with_purchaser(Responsibility.BOTH)

    assert (
        found(add("purchaser", side="purchaser"), current=current, purchaser=Responsibility.BOTH)
        == []
    )


def test_required_roles_held_only_by_a_purchaser_contact_count() -> None:
    current = with_purchaser(Responsibility.BOTH)

    assert found(remove(PAULA), current=current, purchaser=Responsibility.BOTH) == [
        (("body", "changes"), "required_role_unheld"),
        (("body", "changes"), "required_role_unheld"),
    ]


@pytest.mark.parametrize("responsibility", list(Responsibility))
def test_purchaser_roles(responsibility: Responsibility) -> None:
    assert purchaser_roles(responsibility) == EXCLUSIVE[responsibility]


@pytest.mark.parametrize("responsibility, role, side", exclusivity_cases())
def test_roles_not_allowed_with_a_purchaser(
    responsibility: Responsibility, role: Role, side: Side
) -> None:
    allowed = (role in EXCLUSIVE[responsibility]) == (side is Side.PURCHASER)

    assert roles_not_allowed(side, frozenset({role}), responsibility) == (
        frozenset() if allowed else {role}
    )


@pytest.mark.parametrize("side", list(Side))
def test_roles_not_allowed_without_a_purchaser(side: Side) -> None:
    every_role = frozenset(Role)

    assert roles_not_allowed(side, every_role, None) == {Role.PURCHASER}
    assert roles_not_allowed(side, every_role - {Role.PURCHASER}, None) == frozenset()


# Every problem at once.


def test_every_problem_is_reported_at_once() -> None:
    assert found(
        update(UNKNOWN, phone="+44 1"),
        add_roles(DEREK, "management", "security"),
        remove_roles(TIMOTHY, "technical"),
        update(TERESA, email=URSULA_EMAIL),
        remove(URSULA),
        update(URSULA, job_title="Gone"),
        add("technical", email=DEREK_EMAIL),
        add("procurement", "purchaser", email="olive.ther@northwind.example.com"),
        add("security", side="purchaser", email="new@example.com"),
        update(DEREK, phone="+44 2"),
        update(DEREK, phone="+44 3"),
    ) == sorted(
        [
            (at(0, "contact_id"), "unknown_contact"),
            (at(1, "roles"), "role_already_held"),
            (at(2, "roles"), "no_role_left"),
            (at(5), "contradictory_change"),
            (at(6, "contact", "email"), "email_in_use"),
            (at(7, "contact", "email"), "email_in_use"),
            (at(7, "roles"), "role_exclusivity"),
            (at(8, "side"), "no_purchaser"),
            (at(10, "fields", "phone"), "contradictory_change"),
            (("body", "changes"), "required_role_unheld"),
        ],
        key=repr,
    )


# No personal data in problem messages.

PERSONAL = (
    "Derek",
    "Emonstration",
    "Teresa",
    "Echie",
    "Timothy",
    "Ester",
    "Ursula",
    "Annabelle",
    "Greement",
    "Olive",
    "@",
    "example",
    "+44",
)


def test_problem_messages_name_no_person() -> None:
    problems = problems_of(
        update(UNKNOWN, first_name="Derek", email="olive.ther@northwind.example.com"),
        update(TERESA, email=URSULA_EMAIL, first_name="Teresa", last_name="Echie"),
        update(TERESA, first_name="Ursula", phone="+44 113"),
        add("purchaser", side="purchaser", email=DEREK_EMAIL),
        add("technical", email=DEREK_EMAIL.upper()),
        remove(TIMOTHY),
        update(TIMOTHY, last_name="Ester"),
        remove_roles(URSULA, "agreement", "financial"),
        add_roles(DEREK, "management"),
    )

    assert {problem.type for problem in problems} >= {
        "unknown_contact",
        "email_in_use",
        "contradictory_change",
        "role_exclusivity",
        "no_purchaser",
        "no_role_left",
        "role_already_held",
        "required_role_unheld",
    }
    leaks = [
        (problem.msg, word) for problem in problems for word in PERSONAL if word in problem.msg
    ]
    assert leaks == []


# The schema.


def schema_errors(*changes: Any, **body: Any) -> dict[Loc, str]:
    with pytest.raises(ValidationError) as caught:
        ContactChangeCreate.model_validate({"changes": list(changes), **body})
    return {tuple(error["loc"]): error["type"] for error in caught.value.errors()}


def test_schema_accepts_every_op() -> None:
    parsed = batch(*REFERENCE_EXAMPLE, remove_roles(URSULA, "agreement"))

    assert [change.op for change in parsed.changes] == [
        "update",
        "remove",
        "add_roles",
        "remove_roles",
        "add",
        "remove_roles",
    ]


def test_a_new_contact_defaults_to_the_customer_side_and_optional_details_to_none() -> None:
    parsed = batch(
        {
            "op": "add",
            "contact": {"first_name": "Ann", "last_name": "Greement", "email": "ann@example.com"},
            "roles": ["agreement"],
        }
    )

    (change,) = parsed.changes
    assert change.op == "add"
    assert change.side is Side.CUSTOMER
    assert change.contact.phone is None
    assert change.contact.salutation is None
    assert change.contact.job_title is None


def test_a_new_contact_needs_a_role() -> None:
    assert schema_errors(add()) == {("changes", 0, "add", "roles"): "too_short"}
    no_roles = add("agreement")
    del no_roles["roles"]
    assert schema_errors(no_roles) == {("changes", 0, "add", "roles"): "missing"}


@pytest.mark.parametrize("field", ["first_name", "last_name", "email"])
def test_a_new_contact_needs_names_and_email(field: str) -> None:
    change = add("agreement")
    del change["contact"][field]

    assert schema_errors(change) == {("changes", 0, "add", "contact", field): "missing"}


@pytest.mark.parametrize("field", ["first_name", "last_name"])
@pytest.mark.parametrize("blank", ["", "   ", None])
def test_a_new_contact_names_cannot_be_blank(field: str, blank: str | None) -> None:
    errors = schema_errors(add("agreement", **{field: blank}))

    assert list(errors) == [("changes", 0, "add", "contact", field)]


@pytest.mark.parametrize(
    "email", ["annabelle", "annabelle@", "@example.com", "ann belle@example.com", "", None]
)
def test_a_new_contact_needs_a_valid_email(email: str | None) -> None:
    errors = schema_errors(add("agreement", email=email))

    assert list(errors) == [("changes", 0, "add", "contact", "email")]


def test_update_email_must_be_valid() -> None:
    assert list(schema_errors(update(DEREK, email="derek"))) == [
        ("changes", 0, "update", "fields", "email")
    ]


@pytest.mark.parametrize(
    "change, loc",
    [
        (add("agreement", "superuser"), ("changes", 0, "add", "roles", 1)),
        (add_roles(DEREK, "Management"), ("changes", 0, "add_roles", "roles", 0)),
        (remove_roles(DEREK, "admin"), ("changes", 0, "remove_roles", "roles", 0)),
    ],
)
def test_unknown_role_names_are_rejected(change: dict[str, Any], loc: Loc) -> None:
    assert schema_errors(change) == {loc: "enum"}


@pytest.mark.parametrize("op", ["add_roles", "remove_roles"])
def test_role_changes_name_at_least_one_role(op: str) -> None:
    change = {"op": op, "contact_id": str(DEREK), "roles": []}

    assert schema_errors(change) == {("changes", 0, op, "roles"): "too_short"}


def test_an_update_names_at_least_one_field() -> None:
    assert schema_errors(update(DEREK)) == {("changes", 0, "update", "fields"): "value_error"}


@pytest.mark.parametrize("field", ["first_name", "last_name", "email"])
def test_required_details_cannot_be_cleared(field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        batch(update(DEREK, **{field: None}))

    (error,) = caught.value.errors()
    assert (tuple(error["loc"]), error["type"]) == (
        ("changes", 0, "update", "fields"),
        "value_error",
    )
    assert f"{field} cannot be cleared" in error["msg"]


@pytest.mark.parametrize("field", ["phone", "job_title", "salutation"])
def test_optional_details_can_be_cleared(field: str) -> None:
    parsed = batch(update(DEREK, **{field: None}))

    projected = project(DEMO, parsed)
    assert projected[0].details[field] is None
    assert projected[0].details["first_name"] == "Derek"
    assert problems_of(update(DEREK, **{field: None})) == []


def test_an_update_changes_only_the_fields_given() -> None:
    (derek, *_) = project(DEMO, batch(update(DEREK, job_title="  Director ")))

    assert derek.details == {**DEMO[0].details, "job_title": "Director"}


@pytest.mark.parametrize(
    "phone",
    ["+44 113 496 0000", "0113 496 0000", "+1 (555) 010-0199", "030/1234.567", "123", " +44 1 "],
)
def test_valid_phones(phone: str) -> None:
    parsed = batch(add("agreement", phone=phone), update(DEREK, phone=phone))

    assert project(DEMO, parsed)[0].details["phone"] == phone.strip()


@pytest.mark.parametrize(
    "phone", ["", "12", "phone", "+", "++44 1", "+44 1 ext. 5", "44\n1", "1" * 40, "-44 1"]
)
def test_invalid_phones(phone: str) -> None:
    assert schema_errors(add("agreement", phone=phone), update(DEREK, phone=phone)) == {
        ("changes", 0, "add", "contact", "phone"): "string_pattern_mismatch",
        ("changes", 1, "update", "fields", "phone"): "string_pattern_mismatch",
    }


@pytest.mark.parametrize(
    "change, loc",
    [
        ({**remove(DEREK), "reason": "left"}, ("changes", 0, "remove", "reason")),
        (
            {**add_roles(DEREK, "security"), "side": "purchaser"},
            ("changes", 0, "add_roles", "side"),
        ),
        (update(DEREK, nickname="Del"), ("changes", 0, "update", "fields", "nickname")),
        (add("agreement", username="ann"), ("changes", 0, "add", "contact", "username")),
        ({**add("agreement"), "id": str(DEREK)}, ("changes", 0, "add", "id")),
    ],
)
def test_extra_keys_are_rejected(change: dict[str, Any], loc: Loc) -> None:
    assert schema_errors(change) == {loc: "extra_forbidden"}


def test_extra_top_level_keys_are_rejected() -> None:
    assert schema_errors(remove(TIMOTHY), comment="please") == {("comment",): "extra_forbidden"}


def test_an_empty_batch_is_rejected() -> None:
    assert schema_errors() == {("changes",): "too_short"}


def test_a_batch_of_more_than_a_hundred_changes_is_rejected() -> None:
    assert len(batch(*[update(DEREK, phone="+44 1")] * 100).changes) == 100
    assert schema_errors(*[update(DEREK, phone="+44 1")] * 101) == {("changes",): "too_long"}


@pytest.mark.parametrize(
    "change, loc, kind",
    [
        ({"op": "rename", "contact_id": str(DEREK)}, ("changes", 0), "union_tag_invalid"),
        ({"contact_id": str(DEREK)}, ("changes", 0), "union_tag_not_found"),
        (
            {"op": "remove", "contact_id": "derek"},
            ("changes", 0, "remove", "contact_id"),
            "uuid_parsing",
        ),
        ({"op": "remove"}, ("changes", 0, "remove", "contact_id"), "missing"),
    ],
)
def test_malformed_changes(change: dict[str, Any], loc: Loc, kind: str) -> None:
    assert schema_errors(change) == {loc: kind}


def test_every_schema_problem_is_reported_at_once() -> None:
    assert schema_errors(
        add(),
        update(DEREK),
        add_roles(DEREK, "root"),
        {**remove(TIMOTHY), "why": "left"},
        add("agreement", email="nope", phone="call me"),
    ) == {
        ("changes", 0, "add", "roles"): "too_short",
        ("changes", 1, "update", "fields"): "value_error",
        ("changes", 2, "add_roles", "roles", 0): "enum",
        ("changes", 3, "remove", "why"): "extra_forbidden",
        ("changes", 4, "add", "contact", "email"): "value_error",
        ("changes", 4, "add", "contact", "phone"): "string_pattern_mismatch",
    }


def test_an_email_with_a_display_name_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        NewContact.model_validate(
            {"first_name": "Ann", "last_name": "Greement", "email": "Ann <ann@example.com>"}
        )
    assert [error["loc"] for error in caught.value.errors()] == [("email",)]


def test_emails_are_kept_in_lower_case() -> None:
    contact = NewContact.model_validate(
        {"first_name": "Ann", "last_name": "Greement", "email": "Ann.Greement@Example.COM"}
    )
    assert contact.email == "ann.greement@example.com"


def test_duplicate_roles_are_folded() -> None:
    batch = ContactChangeCreate.model_validate(
        {
            "changes": [
                {"op": "add_roles", "contact_id": str(DEREK), "roles": ["security", "security"]}
            ]
        }
    )
    change = batch.changes[0]
    assert isinstance(change, AddRoles) and change.roles == [Role.SECURITY]


@pytest.mark.parametrize("phone", ["(0113) 496 0000", "+44 (0)113 496 0000", "0113-496-0000"])
def test_common_phone_forms_are_accepted(phone: str) -> None:
    contact = NewContact.model_validate(
        {"first_name": "Ann", "last_name": "Greement", "email": "ann@example.com", "phone": phone}
    )
    assert contact.phone == phone


def test_a_contact_already_without_a_role_does_not_block_an_unrelated_batch() -> None:
    # A purchaser took over the only role this contact held.
    roleless = ContactState(uuid.uuid4(), Side.CUSTOMER, {"email": "x@example.com"}, frozenset())
    current = [*DEMO, roleless]
    batch = ContactChangeCreate.model_validate(
        {"changes": [{"op": "add_roles", "contact_id": str(TIMOTHY), "roles": ["security"]}]}
    )
    assert contact_change_problems(current, batch, REQUIRED, None, frozenset()) == []
