"""Properties of the contact-change rules over random customers and random batches."""

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from models.contact_change import (
    AddContact,
    AddRoles,
    ContactChangeCreate,
    RemoveContact,
    RemoveRoles,
    UpdateContact,
    contact_change_problems,
    project,
)
from models.contact_state import ContactState
from models.enums import Responsibility, Role, Side
from models.problems import Problem
from models.roles import roles_not_allowed

PROPERTY = settings(max_examples=200, deadline=None)
# Accepted batches are about a third of those drawn: draw more to check enough of them.
ACCEPTED_PROPERTY = settings(max_examples=500, deadline=None)

UNKNOWN = uuid.UUID("00000000-0000-4000-8000-0000000000ff")
EMAILS = tuple(f"person{n}@example.com" for n in range(12))
FIRST_NAMES = ("Quentin", "Zebedee", "Philippa", "Ottoline", "Barnaby", "Wilhelmina")
LAST_NAMES = ("Fairweather", "Quatermain", "Oddbody", "Thistlewood")
PHONES = ("+44 113 496 0000", "+49 30 1234567", "0113 496 0999")
CANDIDATE_REQUIRED = (
    Role.MANAGEMENT,
    Role.CUST_ADMIN,
    Role.FINANCIAL,
    Role.AGREEMENT,
    Role.TECHNICAL,
)
PERSONAL = tuple(word.lower() for word in (*EMAILS, *FIRST_NAMES, *LAST_NAMES, *PHONES))
PROBLEM_TYPES = frozenset(
    {
        "unknown_contact",
        "contradictory_change",
        "role_already_held",
        "role_not_held",
        "no_role_left",
        "required_role_unheld",
        "email_in_use",
        "role_exclusivity",
        "no_purchaser",
    }
)
# What each responsibility reserves for purchaser contacts, written out rather than derived.
EXCLUSIVE = {
    Responsibility.FINANCIAL: {Role.FINANCIAL, Role.PURCHASER},
    Responsibility.CONTRACTUAL: {Role.AGREEMENT, Role.PURCHASER},
    Responsibility.BOTH: {Role.FINANCIAL, Role.AGREEMENT, Role.PURCHASER},
}


def allowed_roles(side: Side, purchaser: Responsibility | None) -> list[Role]:
    if purchaser is None:
        return [role for role in Role if role is not Role.PURCHASER]
    exclusive = EXCLUSIVE[purchaser]
    return [role for role in Role if (role in exclusive) == (side is Side.PURCHASER)]


@dataclass(frozen=True)
class Scenario:
    current: tuple[ContactState, ...]
    batch: ContactChangeCreate
    required: frozenset[Role]
    purchaser: Responsibility | None
    elsewhere: frozenset[str]

    def problems(self, batch: ContactChangeCreate | None = None) -> list[Problem]:
        return contact_change_problems(
            self.current, batch or self.batch, self.required, self.purchaser, self.elsewhere
        )


# A change names a contact by a reference, resolved once the customer is drawn: most name
# one of its contacts, a few an id it does not know. Its roles are then fitted to the
# contact ("fit": only those that make sense, "most": all of those, "raw": as drawn), so
# that many batches are accepted and many are refused for a single reason.
UNKNOWN_REF = -1
contact_refs = st.sampled_from([*range(12), UNKNOWN_REF])
fitting = st.sampled_from(["fit", "most", "raw"])
SPELLINGS: tuple[Callable[[str], str], ...] = (str.lower, str.upper, str.title)
any_email = st.builds(
    lambda email, spell: spell(email), st.sampled_from(EMAILS), st.sampled_from(SPELLINGS)
)
role_lists = st.lists(st.sampled_from(Role), min_size=1, max_size=3)
detail_values: dict[str, st.SearchStrategy[Any]] = {
    "email": any_email,
    "first_name": st.sampled_from(FIRST_NAMES),
    "last_name": st.sampled_from(LAST_NAMES),
    "phone": st.none() | st.sampled_from(PHONES),
    "job_title": st.none() | st.just("Buyer"),
}
# At least one field, maybe more.
detail_updates = st.builds(
    lambda one, more: {**more, **one},
    st.one_of([st.fixed_dictionaries({name: value}) for name, value in detail_values.items()]),
    st.fixed_dictionaries({}, optional=detail_values),
)
new_contacts = st.fixed_dictionaries(
    {
        "first_name": st.sampled_from(FIRST_NAMES),
        "last_name": st.sampled_from(LAST_NAMES),
        "email": any_email,
    },
    optional={"phone": st.sampled_from(PHONES)},
)
raw_changes: st.SearchStrategy[dict[str, Any]] = st.one_of(
    st.fixed_dictionaries({"op": st.just("update"), "ref": contact_refs, "fields": detail_updates}),
    st.fixed_dictionaries(
        {
            "op": st.just("add_roles"),
            "ref": contact_refs,
            "roles": role_lists,
            "fitting": fitting,
        }
    ),
    st.fixed_dictionaries(
        {
            "op": st.just("remove_roles"),
            "ref": contact_refs,
            "roles": role_lists,
            "fitting": fitting,
        }
    ),
    st.fixed_dictionaries({"op": st.just("remove"), "ref": contact_refs}),
    st.fixed_dictionaries(
        {
            "op": st.just("add"),
            "contact": new_contacts,
            "roles": role_lists,
            "side": st.sampled_from(Side),
            "fitting": fitting,
        }
    ),
)
held_roles = {
    (side, purchaser): st.frozensets(
        st.sampled_from(allowed_roles(side, purchaser)), min_size=1, max_size=3
    )
    for side in Side
    for purchaser in (None, *Responsibility)
}


def resolve(
    raw: dict[str, Any], current: list[ContactState], purchaser: Responsibility | None
) -> dict[str, Any]:
    change = dict(raw)
    ref = change.pop("ref", None)
    contact = None
    if ref is not None:
        contact = None if ref == UNKNOWN_REF else current[ref % len(current)]
        change["contact_id"] = str(contact.id if contact else UNKNOWN)
    fitting = change.pop("fitting", "raw")
    if fitting == "raw":
        return change
    roles = set(change["roles"]) if fitting == "fit" else set(Role)
    if change["op"] == "add":
        if purchaser is None:
            # "most" goes as far as a purchaser-side contact with no purchaser to add it to.
            change["side"] = Side.CUSTOMER if fitting == "fit" else Side.PURCHASER
        roles &= set(allowed_roles(change["side"], purchaser))
    elif contact is not None and change["op"] == "add_roles":
        roles = (roles & set(allowed_roles(contact.side, purchaser))) - contact.roles
    elif contact is not None and change["op"] == "remove_roles":
        roles &= contact.roles
    change["roles"] = sorted(roles) or change["roles"]
    return change


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    purchaser = draw(st.none() | st.sampled_from(Responsibility))
    size = draw(st.integers(min_value=1, max_value=5))
    current = []
    for number in range(size):
        side = Side.CUSTOMER if purchaser is None else draw(st.sampled_from(Side))
        current.append(
            ContactState(
                id=uuid.UUID(int=number + 1),
                side=side,
                details={
                    "salutation": None,
                    "first_name": FIRST_NAMES[number % len(FIRST_NAMES)],
                    "last_name": LAST_NAMES[number % len(LAST_NAMES)],
                    # Stored emails may keep the case they were typed in.
                    "email": draw(st.sampled_from(SPELLINGS))(EMAILS[number]),
                    "phone": None,
                    "job_title": None,
                },
                roles=draw(held_roles[side, purchaser]),
            )
        )
    changes = [
        resolve(change, current, purchaser)
        for change in draw(st.lists(raw_changes, min_size=1, max_size=4))
    ]
    # Often roles someone holds now, so that the batch decides whether they stay held.
    held = sorted({role for contact in current for role in contact.roles})
    required = draw(
        st.frozensets(st.sampled_from(held), max_size=4)
        | st.frozensets(st.sampled_from(CANDIDATE_REQUIRED), max_size=4)
    )
    return Scenario(
        current=tuple(current),
        batch=ContactChangeCreate.model_validate({"changes": changes}),
        required=required,
        purchaser=purchaser,
        elsewhere=draw(st.frozensets(st.sampled_from(EMAILS[size:]), max_size=3)),
    )


# Invariants of an accepted batch.


def names_only_its_contacts(scenario: Scenario) -> None:
    known = {contact.id for contact in scenario.current}
    named = {
        change.contact_id for change in scenario.batch.changes if not isinstance(change, AddContact)
    }
    assert named <= known, "a change to a contact the customer does not have"


def every_change_counts(scenario: Scenario) -> None:
    """A removal is the only change to its contact, a role change adds or drops the role, and
    no field is given two values."""
    before = {contact.id: contact.roles for contact in scenario.current}
    values: dict[tuple[uuid.UUID, str], set[Any]] = {}
    named = Counter(
        change.contact_id for change in scenario.batch.changes if not isinstance(change, AddContact)
    )
    for change in scenario.batch.changes:
        if isinstance(change, RemoveContact):
            assert named[change.contact_id] == 1, "a removed contact is also changed"
        elif isinstance(change, AddRoles):
            assert before[change.contact_id].isdisjoint(change.roles), "role already held"
        elif isinstance(change, RemoveRoles):
            assert before[change.contact_id] >= set(change.roles), "role not held"
        elif isinstance(change, UpdateContact):
            for name, value in change.fields.model_dump(exclude_unset=True).items():
                values.setdefault((change.contact_id, name), set()).add(value)
    assert [key for key, given in values.items() if len(given) > 1] == [], "two values"


def required_roles_held(scenario: Scenario, living: list[ContactState]) -> None:
    held = {role for contact in living for role in contact.roles}
    assert scenario.required <= held, f"required roles unheld: {scenario.required - held}"


def every_contact_keeps_a_role(living: list[ContactState]) -> None:
    assert [contact.id for contact in living if not contact.roles] == [], "contact without role"


def emails_unique(scenario: Scenario, living: list[ContactState]) -> None:
    emails = [str(contact.details["email"]).lower() for contact in living]
    assert [email for email, count in Counter(emails).items() if count > 1] == [], "same email"
    assert scenario.elsewhere.isdisjoint(emails), "email of another customer's contact"


def exclusivity_kept(scenario: Scenario, living: list[ContactState]) -> None:
    for contact in living:
        assert roles_not_allowed(contact.side, contact.roles, scenario.purchaser) == frozenset()
        if scenario.purchaser is None:
            assert contact.side is Side.CUSTOMER, "a purchaser contact with no purchaser"
            assert Role.PURCHASER not in contact.roles


def expected_projection(scenario: Scenario) -> list[ContactState]:
    """A plain model of an accepted batch: its changes commute, so apply them as sets."""
    result = []
    for contact in scenario.current:
        changes = [
            change
            for change in scenario.batch.changes
            if not isinstance(change, AddContact) and change.contact_id == contact.id
        ]
        if not changes:
            result.append(contact)
        elif any(isinstance(change, RemoveContact) for change in changes):
            result.append(replace(contact, change="removed"))
        else:
            details = dict(contact.details)
            added: set[Role] = set()
            dropped: set[Role] = set()
            for change in changes:
                if isinstance(change, UpdateContact):
                    details.update(change.fields.model_dump(exclude_unset=True))
                elif isinstance(change, AddRoles):
                    added |= set(change.roles)
                elif isinstance(change, RemoveRoles):
                    dropped |= set(change.roles)
            roles = frozenset((contact.roles | added) - dropped)
            result.append(replace(contact, details=details, roles=roles, change="updated"))
    return result


@ACCEPTED_PROPERTY
@given(scenarios())
def test_no_accepted_batch_leaves_the_customer_invalid(scenario: Scenario) -> None:
    """Required roles held, a role for everyone, emails unique, exclusivity kept."""
    problems = scenario.problems()
    event("accepted" if not problems else "refused")
    if problems:
        return
    projected = project(scenario.current, scenario.batch)
    living = [contact for contact in projected if contact.change != "removed"]

    names_only_its_contacts(scenario)
    every_change_counts(scenario)
    required_roles_held(scenario, living)
    every_contact_keeps_a_role(living)
    emails_unique(scenario, living)
    exclusivity_kept(scenario, living)
    assert projected[: len(scenario.current)] == expected_projection(scenario)


@PROPERTY
@given(scenarios())
def test_project_changes_only_what_the_batch_names(scenario: Scenario) -> None:
    projected = project(scenario.current, scenario.batch)
    named = {
        change.contact_id for change in scenario.batch.changes if not isinstance(change, AddContact)
    }
    adds = [
        (index, change)
        for index, change in enumerate(scenario.batch.changes)
        if isinstance(change, AddContact)
    ]

    assert len(projected) == len(scenario.current) + len(adds)
    for before, after in zip(scenario.current, projected, strict=False):
        assert after.id == before.id
        assert after.side is before.side
        if before.id in named:
            assert after.change in {"updated", "removed"}
        else:
            assert after == before
            assert after.change == "unchanged"
    added = projected[len(scenario.current) :]
    assert [(contact.origin, contact.change, contact.id) for contact in added] == [
        (index, "added", None) for index, _ in adds
    ]
    for contact, (_, change) in zip(added, adds, strict=True):
        assert contact.roles == set(change.roles)
        assert contact.side is change.side
        assert contact.details == change.contact.model_dump()


@PROPERTY
@given(scenarios())
def test_order_of_changes_does_not_matter_to_an_accepted_batch(scenario: Scenario) -> None:
    reordered = ContactChangeCreate(changes=list(reversed(scenario.batch.changes)))
    accepted = scenario.problems() == []

    # A contradiction is one in any order, so only batches whose changes commute pass.
    assert accepted == (scenario.problems(reordered) == [])
    if accepted:
        size = len(scenario.current)
        assert (
            project(scenario.current, reordered)[:size]
            == project(scenario.current, scenario.batch)[:size]
        )


@PROPERTY
@given(scenarios())
def test_problems_point_into_the_batch_and_name_no_person(scenario: Scenario) -> None:
    for problem in scenario.problems():
        assert problem.type in PROBLEM_TYPES
        assert problem.loc[:2] == ("body", "changes")
        if len(problem.loc) > 2:
            index = problem.loc[2]
            assert isinstance(index, int)
            assert 0 <= index < len(scenario.batch.changes)
        else:
            assert problem.type == "required_role_unheld"
        assert [word for word in PERSONAL if word in problem.msg.lower()] == []
