"""The import's file and rules, pure: the header checked exactly, rows grouped by customer,
roles by value or label, every problem at its line and column; a customer planned as
created, updated, unchanged or left out against what the database holds of it."""

import uuid

import pytest

from models.common import Address, NamedAddress
from models.contact_state import ContactState
from models.customer import CustomerProfile
from models.customer_import import (
    COLUMNS,
    CustomerRows,
    Existing,
    UnreadableFile,
    parse_roles,
    plan_customer,
    read_file,
)
from models.enums import Role, Side

REQUIRED = (Role.MANAGEMENT, Role.CUST_ADMIN, Role.FINANCIAL, Role.AGREEMENT)
HEADER = ",".join(COLUMNS)
HARBOUR = "ACC-1,Harbour Ltd,2 Quay Street,Bristol,BS1 4DJ,GB"
HANNAH = "Ms,Hannah,Arbour,hannah.arbour@harbour.example.com,,Director"
FELIX = "Mr,Felix,Inance,felix.inance@harbour.example.com,+44 117 496 0101,"
HANNAH_ID = uuid.UUID("00000000-0000-4000-8000-000000000001")
FELIX_ID = uuid.UUID("00000000-0000-4000-8000-000000000002")
CUSTOMER_ID = uuid.UUID("00000000-0000-4000-8000-0000000000cc")


def csv_text(*rows: str) -> str:
    return "\n".join((HEADER, *rows)) + "\n"


def one_customer(*rows: str) -> CustomerRows:
    read = read_file(csv_text(*rows))
    assert not read.problems
    [customer] = read.customers
    return customer


def problems_of(customer: CustomerRows, existing: Existing | None = None) -> list[str]:
    return [str(problem) for problem in plan_customer(customer, existing, {}, REQUIRED).problems]


HARBOUR_ROWS = (
    f"{HARBOUR},{HANNAH},Management;Cust Admin",
    f"{HARBOUR},{FELIX},financial; AGREEMENT",
)


def test_a_header_naming_other_columns_is_refused_saying_which() -> None:
    header = HEADER.replace("phone", "telephone").replace(",roles", ",roles,email")
    with pytest.raises(UnreadableFile) as refused:
        read_file(header + "\n")
    message = str(refused.value)
    assert message.startswith('line 1: the header lacks the column "phone"')
    assert 'unknown column "telephone"' in message
    assert 'names the column "email" twice' in message
    with pytest.raises(UnreadableFile, match="line 1: the file is empty"):
        read_file("")


def test_roles_are_named_by_value_or_label_in_any_case() -> None:
    assert parse_roles(" cust_admin ; Cust Admin;FINANCIAL;management;") == (
        [Role.CUST_ADMIN, Role.FINANCIAL, Role.MANAGEMENT],
        [],
    )
    assert parse_roles("Boss;technical") == ([Role.TECHNICAL], ["Boss"])
    assert parse_roles("") == ([], [])


def test_a_new_customer_is_created_with_its_contacts_paying_at_its_legal_details() -> None:
    plan = plan_customer(one_customer(*HARBOUR_ROWS), None, {}, REQUIRED)
    assert plan.outcome == "created"
    assert plan.profile is not None and plan.profile.payment == plan.profile.legal
    assert plan.profile.legal.address.postal_code == "BS1 4DJ"
    assert [(c.email, sorted(c.roles)) for c in plan.added()] == [
        ("hannah.arbour@harbour.example.com", [Role.CUST_ADMIN, Role.MANAGEMENT]),
        ("felix.inance@harbour.example.com", [Role.AGREEMENT, Role.FINANCIAL]),
    ]


def test_each_problem_is_named_by_its_line_and_column() -> None:
    customer = one_customer(
        f"{HARBOUR},{HANNAH.replace('hannah.arbour@', 'hannah.arbour.at.')},Management;Boss",
        f"{HARBOUR},{FELIX.replace('+44', 'call')},",
        f"{HARBOUR.replace('Bristol', 'Bath')},Mr,,Ester,ester@harbour.example.com,,,Technical",
    )
    assert problems_of(customer) == [
        "line 2, email: not a valid email address",
        'line 2, roles: no role is called "Boss" (the roles: Management, Cust Admin, '
        "Financial, Agreement, Technical, Application, Security, Procurement, Purchaser)",
        "line 3, phone: not a phone number (digits, spaces and + ( ) . / -)",
        "line 3, roles: give at least one role",
        "line 4, city: differs from line 2 for the same customer reference (each row repeats "
        "its customer's columns alike)",
        "line 4, first_name: give the first name",
    ]


def test_the_portals_rules_hold_a_missing_required_role_an_email_in_use() -> None:
    customer = one_customer(f"{HARBOUR},{HANNAH},Management;Cust Admin;Agreement")
    assert problems_of(customer) == [
        "line 2, roles: the required role Financial would be held by no contact"
    ]
    taken = {"hannah.arbour@harbour.example.com": None}  # a member of the service team
    plan = plan_customer(one_customer(*HARBOUR_ROWS), None, taken, REQUIRED)
    assert [str(p) for p in plan.problems] == [
        "line 2, email: this email is already used by another account"
    ]
    purchaser_role = one_customer(HARBOUR_ROWS[0], HARBOUR_ROWS[1] + ";Purchaser")
    assert problems_of(purchaser_role) == [
        "line 3, roles: Purchaser cannot be held with no purchaser assigned (role exclusivity)"
    ]


def test_an_email_twice_in_the_file_is_a_problem_wherever_it_is() -> None:
    other = "ACC-2,Other Ltd,1 Road,Leeds,LS1 1AA,GB"
    read = read_file(
        csv_text(
            *HARBOUR_ROWS,
            f"{other},Mr,Felix,Again,Felix.Inance@harbour.example.com,,,Management",
            f"{HARBOUR},{HANNAH},Technical",
        )
    )
    harbour, other_customer = read.customers
    assert problems_of(harbour) == [
        "line 2, email: this email is also on line 5: an email names one person",
        "line 3, email: this email is also on line 4: an email names one person",
        "line 5, email: this email is also on line 2: an email names one person",
    ]
    assert problems_of(other_customer) == [
        "line 4, email: this email is also on line 3: an email names one person"
    ]


def test_rows_naming_no_customer_or_of_the_wrong_width_are_problems() -> None:
    read = read_file(csv_text(*HARBOUR_ROWS, f",Nobody Ltd,1 Road,Leeds,LS1,GB,{HANNAH},x"))
    assert [str(p) for p in read.problems] == [
        "line 4, customer_reference: give the customer's reference"
    ]
    customer = one_customer(HARBOUR_ROWS[0] + ",extra", HARBOUR_ROWS[1])
    assert problems_of(customer)[0] == "line 2: has 14 values where the header names 13"


def _existing(payment: NamedAddress | None = None, phone: str = "+44 117 496 0101") -> Existing:
    legal = NamedAddress(
        name="Harbour Ltd",
        address=Address(
            street="2 Quay Street", city="Bristol", postal_code="BS1 4DJ", country="GB"
        ),
    )
    details = {
        "salutation": "Ms",
        "first_name": "Hannah",
        "last_name": "Arbour",
        "email": "hannah.arbour@harbour.example.com",
        "phone": None,
        "job_title": "Director",
    }
    felix = {
        "salutation": "Mr",
        "first_name": "Felix",
        "last_name": "Inance",
        "email": "felix.inance@harbour.example.com",
        "phone": phone,
        "job_title": None,
    }
    return Existing(
        id=CUSTOMER_ID,
        profile=CustomerProfile(legal=legal, payment=payment or legal),
        contacts=(
            ContactState(HANNAH_ID, Side.CUSTOMER, details, frozenset(REQUIRED[:2])),
            ContactState(FELIX_ID, Side.CUSTOMER, felix, frozenset(REQUIRED[2:])),
        ),
    )


def test_an_existing_customer_as_the_file_has_it_is_unchanged() -> None:
    taken = {
        "hannah.arbour@harbour.example.com": CUSTOMER_ID,
        "felix.inance@harbour.example.com": CUSTOMER_ID,
    }
    plan = plan_customer(one_customer(*HARBOUR_ROWS), _existing(), taken, REQUIRED)
    assert plan.outcome == "unchanged"
    assert plan.listed == [HANNAH_ID, FELIX_ID]
    assert plan.unlisted == 0


def test_a_changed_row_updates_its_contact_and_others_are_left_alone() -> None:
    existing = _existing(phone="+44 117 496 0999")
    rows = (
        HARBOUR_ROWS[1].replace(";Cust Admin", ""),
        f"{HARBOUR},{HANNAH.replace('Hannah,Arbour,hannah.arbour', 'Ann,New,ann.new')},Cust Admin",
    )
    plan = plan_customer(one_customer(*rows), existing, {}, REQUIRED)
    assert plan.outcome == "updated"
    assert plan.profile is None
    [felix] = plan.updated()
    assert felix.id == FELIX_ID and felix.details["phone"] == "+44 117 496 0101"
    [ann] = plan.added()
    assert ann.email == "ann.new@harbour.example.com" and ann.roles == {Role.CUST_ADMIN}
    assert plan.unlisted == 1  # Hannah, left as she is


def test_a_new_address_moves_the_payment_details_only_when_they_were_the_legal_ones() -> None:
    moved = HARBOUR.replace("2 Quay Street", "3 Quay Street")
    rows = [row.replace(HARBOUR, moved) for row in HARBOUR_ROWS]
    plan = plan_customer(one_customer(*rows), _existing(), {}, REQUIRED)
    assert plan.outcome == "updated" and plan.profile is not None
    assert plan.profile.payment.address.street == "3 Quay Street"

    elsewhere = NamedAddress(
        name="Harbour Payables",
        address=Address(street="PO Box 1", city="Bristol", postal_code="BS1 1AA", country="GB"),
    )
    plan = plan_customer(one_customer(*rows), _existing(payment=elsewhere), {}, REQUIRED)
    assert plan.profile is not None
    assert plan.profile.legal.address.street == "3 Quay Street"
    assert plan.profile.payment == elsewhere


def test_an_email_of_another_customers_contact_or_of_staff_is_a_problem() -> None:
    olive = f"{HARBOUR},Ms,Olive,Ther,olive.ther@northwind.example.com,,,Technical"
    sam = f"{HARBOUR},Mr,Sam,Service,sam.service@signoff.example.com,,,Technical"
    taken: dict[str, uuid.UUID | None] = {
        "hannah.arbour@harbour.example.com": CUSTOMER_ID,
        "felix.inance@harbour.example.com": CUSTOMER_ID,
        "olive.ther@northwind.example.com": uuid.uuid4(),
        "sam.service@signoff.example.com": None,
    }
    customer = one_customer(*HARBOUR_ROWS, olive, sam)
    plan = plan_customer(customer, _existing(), taken, REQUIRED)
    assert [str(p) for p in plan.problems] == [
        "line 4, email: this email is already used by another account",
        "line 5, email: this email is already used by another account",
    ]


def test_an_archived_customer_or_a_purchasers_contact_is_not_imported_into() -> None:
    existing = _existing()
    archived = Existing(existing.id, existing.profile, existing.contacts, archived=True)
    assert problems_of(one_customer(*HARBOUR_ROWS), archived) == [
        "line 2, customer_reference: this customer is archived"
    ]
    hannah, felix = existing.contacts
    theirs = ContactState(felix.id, Side.PURCHASER, felix.details, felix.roles)
    with_purchaser = Existing(existing.id, existing.profile, (hannah, theirs))
    assert problems_of(one_customer(*HARBOUR_ROWS), with_purchaser) == [
        "line 3, email: this email is a contact of the customer's purchaser; the import adds "
        "and updates the customer's own contacts"
    ]


def test_a_customer_of_more_contacts_than_the_portal_takes_is_left_out() -> None:
    roles = ["Management;Cust Admin;Financial;Agreement"] + ["Technical"] * 100
    rows = [
        f"{HARBOUR},,Person,{n},person{n}@harbour.example.com,,,{role}"
        for n, role in enumerate(roles)
    ]
    assert problems_of(one_customer(*rows)) == [
        "line 2: a customer is imported with at most 100 contacts"
    ]
