"""Where each kind of form names people, and the form once one of them is erased."""

import uuid

from models.contact_change import contact_change_problems, stored_batch
from models.enums import RequestKind, Role, Side
from models.kinds import KINDS
from models.personal_data import approver_named, details_given, is_erased, people_in, without_person
from models.purchaser_addition import stored_addition
from tests.models.test_contact_change import DEMO, TERESA

CONTACTS = KINDS[RequestKind.CONTACT_CHANGE].people
ADDITIONS = KINDS[RequestKind.PURCHASER_ADDITION].people
ANNA = {"first_name": "Anna", "last_name": "Lyst", "email": "anna@example.com", "phone": "0161"}
BOB = {"first_name": "Bob", "last_name": "Ild", "email": "bob@example.com"}
BATCH = {
    "changes": [
        {"op": "add", "contact": ANNA, "roles": ["technical"]},
        {"op": "update", "contact_id": str(TERESA), "fields": {"email": "t2@example.com"}},
        {"op": "add", "contact": BOB, "roles": ["security"]},
    ]
}
ADDITION = {
    "purchaser": {
        "name": "Partners Ltd",
        "address": {"street": "1 Lane", "city": "London", "postal_code": "E1", "country": "GB"},
    },
    "responsibility": "financial",
    "contacts": [{**ANNA, "roles": ["financial", "purchaser"]}, {**BOB, "roles": ["financial"]}],
    "approvers": {
        "customer": {"name": "Ursula Ser", "email": "ursula@example.com"},
        "purchaser": {"name": "Percy Approver", "email": "percy@example.com"},
    },
}


def test_the_details_a_form_gave_a_contact_follow_its_outcome() -> None:
    bob_id = uuid.uuid4()
    outcome = {"added": [str(uuid.uuid4()), str(bob_id)]}
    assert details_given(CONTACTS, BATCH, outcome, bob_id) == [BOB]
    assert details_given(CONTACTS, BATCH, outcome, TERESA) == [{"email": "t2@example.com"}]
    assert details_given(CONTACTS, BATCH, None, bob_id) == []
    added = {"added": [str(uuid.uuid4()), str(bob_id)]}
    given = details_given(ADDITIONS, ADDITION, added, bob_id)
    assert [entry["email"] for entry in given] == ["bob@example.com"]


def test_a_person_is_blanked_where_named_and_what_was_asked_stays() -> None:
    erased = without_person(CONTACTS, BATCH, TERESA, frozenset({"bob@example.com"}))
    update, bob = erased["changes"][1], erased["changes"][2]
    assert update == {
        "op": "update",
        "contact_id": str(TERESA),
        "fields": {"email": None},
        "erased": True,
    }
    assert bob["contact"] == dict.fromkeys(BOB) and bob["roles"] == ["security"]
    assert erased["changes"][0] == BATCH["changes"][0]
    assert [p.emails for p in people_in(CONTACTS, erased)] == [frozenset({"anna@example.com"})]


def test_an_addition_keeps_working_once_an_approver_or_contact_is_erased() -> None:
    emails = frozenset({"ursula@example.com", "bob@example.com"})
    erased = without_person(ADDITIONS, ADDITION, None, emails)
    assert approver_named(ADDITIONS, erased, Side.CUSTOMER) is None
    percy = approver_named(ADDITIONS, erased, Side.PURCHASER)
    assert percy is not None and percy.name == "Percy Approver"
    form, gone = stored_addition(erased)
    assert gone == 1 and [c.first_name for c in form.contacts] == ["Anna"]
    assert erased["contacts"][1] == {**dict.fromkeys(BOB), "roles": ["financial"], "erased": True}
    assert is_erased(erased["approvers"]["customer"])


def test_an_erased_change_is_reported_at_its_place_as_an_unknown_contact() -> None:
    erased = without_person(CONTACTS, BATCH, TERESA, frozenset())
    batch = stored_batch(erased)
    living = [contact for contact in DEMO if contact.id != TERESA]
    problems = contact_change_problems(living, batch, (Role.MANAGEMENT,), None, frozenset())
    assert [(p.loc, p.type) for p in problems] == [
        (("body", "changes", 1, "contact_id"), "unknown_contact")
    ]
