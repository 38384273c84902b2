"""The Contacts Manager's form read as a batch: the difference between the rows posted and
the contacts as they are, and each problem of the batch put back on the field it came from."""

import uuid

from api.portal.contact_rows import (
    Origin,
    batch,
    contact_key,
    current_row,
    field_of,
    new_row_count,
    read_rows,
)
from models.contact import ContactPublic
from models.contact_change import ContactChangeCreate
from models.enums import Role, Side

DEREK = ContactPublic(
    id=uuid.uuid4(),
    side=Side.CUSTOMER,
    salutation="Mr",
    first_name="Derek",
    last_name="Emonstration",
    email="derek.emonstration@energy.example.com",
    phone="+44 161 496 0001",
    job_title="Managing Director",
    roles=[Role.MANAGEMENT, Role.CUST_ADMIN],
)
TERESA = ContactPublic(
    id=uuid.uuid4(),
    side=Side.CUSTOMER,
    salutation="Mrs",
    first_name="Teresa",
    last_name="Echie",
    email="teresa.echie@energy.example.com",
    phone=None,
    job_title=None,
    roles=[Role.FINANCIAL],
)
TIMOTHY = ContactPublic(
    id=uuid.uuid4(),
    side=Side.CUSTOMER,
    salutation="Mr",
    first_name="Timothy",
    last_name="Ester",
    email="timothy.ester@energy.example.com",
    phone="+44 161 496 0003",
    job_title="Systems Engineer",
    roles=[Role.TECHNICAL],
)
CONTACTS = [DEREK, TERESA, TIMOTHY]
ANNABELLE = {
    "salutation": "Ms",
    "first_name": "Annabelle",
    "last_name": "Greement",
    "email": "annabelle.greement@energy.example.com",
    "phone": "",
    "job_title": "Contracts Manager",
}


def as_posted(*contacts: ContactPublic) -> dict[str, str]:
    """The form as first shown for ``contacts``, sent unchanged."""
    posted = {"new_rows": "1"}
    for contact in contacts:
        row = current_row(contact)
        posted[f"{row.key}.shown"] = "1"
        posted.update({f"{row.key}.{name}": value for name, value in row.details.items()})
        posted.update({f"{row.key}.role.{role.value}": "on" for role in row.roles})
    return posted


def diff(posted: dict[str, str]) -> tuple[list[dict[str, object]], list[Origin]]:
    rows, new_rows = read_rows(posted, CONTACTS)
    return batch(CONTACTS, rows, new_rows)


def test_an_unchanged_form_asks_for_nothing() -> None:
    assert diff(as_posted(*CONTACTS)) == ([], [])


def test_the_worked_example_is_the_batch_the_api_takes() -> None:
    posted = as_posted(*CONTACTS)
    derek, teresa, timothy = (contact_key(c.id) for c in CONTACTS)
    posted[f"{derek}.phone"] = "+44 161 496 0999"
    posted[f"{timothy}.delete"] = "on"
    posted[f"{timothy}.job_title"] = "ignored: the contact goes"
    posted[f"{teresa}.role.cust_admin"] = "on"
    del posted[f"{teresa}.role.financial"]
    posted.update({f"new.1.{name}": value for name, value in ANNABELLE.items()})
    posted["new.1.role.agreement"] = "on"

    changes, origins = diff(posted)

    assert changes == [
        {"op": "update", "contact_id": str(DEREK.id), "fields": {"phone": "+44 161 496 0999"}},
        {"op": "add_roles", "contact_id": str(TERESA.id), "roles": ["cust_admin"]},
        {"op": "remove_roles", "contact_id": str(TERESA.id), "roles": ["financial"]},
        {"op": "remove", "contact_id": str(TIMOTHY.id)},
        {
            "op": "add",
            "contact": {key: value for key, value in ANNABELLE.items() if value},
            "roles": ["agreement"],
        },
    ]
    assert [(o.key, o.op) for o in origins] == [
        (derek, "update"),
        (teresa, "add_roles"),
        (teresa, "remove_roles"),
        (timothy, "remove"),
        ("new.1", "add"),
    ]
    assert origins[2].roles == {Role.FINANCIAL} and origins[3].roles == {Role.TECHNICAL}
    ContactChangeCreate.model_validate({"changes": changes})


def test_only_changed_details_are_sent_and_an_emptied_optional_one_is_cleared() -> None:
    posted = as_posted(*CONTACTS)
    derek = contact_key(DEREK.id)
    posted[f"{derek}.job_title"] = ""
    posted[f"{derek}.email"] = "Derek.Emonstration@energy.example.com"  # the same address
    posted[f"{derek}.salutation"] = " Dr "
    changes, _ = diff(posted)
    assert changes == [
        {
            "op": "update",
            "contact_id": str(DEREK.id),
            "fields": {"salutation": "Dr", "job_title": None},
        }
    ]


def test_an_emptied_required_detail_is_sent_for_the_schema_to_refuse() -> None:
    posted = as_posted(*CONTACTS)
    posted[f"{contact_key(TERESA.id)}.first_name"] = ""
    changes, _ = diff(posted)
    assert changes[0]["fields"] == {"first_name": ""}


def test_blank_new_rows_ask_nothing_and_a_new_row_without_a_role_asks_an_addition() -> None:
    posted = {**as_posted(*CONTACTS), "new_rows": "3", "new.3.first_name": "Nora"}
    changes, origins = diff(posted)
    assert changes == [
        {
            "op": "add",
            "contact": {"first_name": "Nora", "last_name": "", "email": ""},
            "roles": [],
        }
    ]
    assert origins == [Origin("new.3", "add")]


def test_a_contact_the_form_did_not_show_and_roles_it_offered_no_box_for_stay() -> None:
    posted = as_posted(DEREK)  # Teresa and Timothy were not on the page
    posted.pop(f"{contact_key(DEREK.id)}.role.cust_admin")
    rows, news = read_rows(posted, CONTACTS, offered=lambda _side: [Role.MANAGEMENT])
    assert batch(CONTACTS, rows, news) == ([], [])


def test_the_count_of_new_rows_is_read_within_bounds() -> None:
    assert new_row_count({}) == 1
    assert new_row_count({"new_rows": "x"}) == 1
    assert new_row_count({"new_rows": "0"}) == 1
    assert new_row_count({"new_rows": "3"}) == 3
    assert new_row_count({"new_rows": "100000"}) == 50


def test_each_problem_is_put_on_the_field_its_change_came_from() -> None:
    derek, teresa = contact_key(DEREK.id), contact_key(TERESA.id)
    origins = [
        Origin(derek, "update"),
        Origin(teresa, "remove_roles", frozenset({Role.FINANCIAL})),
        Origin(contact_key(TIMOTHY.id), "remove", frozenset({Role.TECHNICAL})),
        Origin("new.1", "add"),
    ]
    # The schema's locs (op-tagged, no "body") and the rules' alike.
    assert field_of(("changes", 0, "update", "fields", "email"), origins) == f"{derek}.email"
    assert field_of(("body", "changes", 0, "fields", "phone"), origins) == f"{derek}.phone"
    assert field_of(("body", "changes", 0, "fields"), origins) == f"{derek}.roles"
    assert field_of(("changes", 3, "add", "contact", "email"), origins) == "new.1.email"
    assert field_of(("changes", 3, "add", "roles"), origins) == "new.1.roles"
    assert field_of(("body", "changes", 1, "roles"), origins) == f"{teresa}.roles"
    assert field_of(("body", "changes", 2), origins) == f"{contact_key(TIMOTHY.id)}.delete"
    assert field_of(("body", "changes", 9), origins) is None
    # The purchaser's approver: beside the field, the approver as a whole beside its email.
    assert field_of(("body", "approver", "name"), origins) == "approver.name"
    assert field_of(("body", "approver"), origins) == "approver.email"
    # A required role left unheld: beside the row that took it away, else about no field.
    assert field_of(("body", "changes"), origins, Role.FINANCIAL) == f"{teresa}.roles"
    assert field_of(("body", "changes"), origins, Role.TECHNICAL) == (
        f"{contact_key(TIMOTHY.id)}.delete"
    )
    assert field_of(("body", "changes"), origins, Role.AGREEMENT) is None
    assert field_of(("body", "changes"), origins) is None


def test_roles_read_as_a_person_reads_them() -> None:
    assert [role.label for role in (Role.CUST_ADMIN, Role.MANAGEMENT)] == [
        "Cust Admin",
        "Management",
    ]
