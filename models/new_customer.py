"""A new customer with its first contacts, and its rules: those of a contact change adding
every contact to a customer that has none yet, so both refuse the same things alike."""

from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

from models.common import Address, Line, NamedAddress
from models.contact_change import (
    AddContact,
    ContactChangeCreate,
    NewContact,
    contact_change_problems,
    readable_batch,
)
from models.contact_fields import Roles
from models.customer import CustomerProfile
from models.enums import Role
from models.problems import Loc, Problem
from models.reading import Reading, valid

Reference = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80, pattern=r"^\S+$")
]
_reference = TypeAdapter[str](Reference)
# The most contacts one customer is created with (a contact change's batch limit).
CONTACTS_MAX = 100
# Problems about every contact at once (a required role held by none) stand here.
WHOLE: Loc = ("body", "contacts")


class NewCustomerContact(NewContact):
    roles: Roles


class CustomerCreate(BaseModel):
    """A customer as the service team creates it; payment defaults to the legal details."""

    model_config = ConfigDict(extra="forbid")

    name: Line
    address: Address
    payment: NamedAddress | None = None
    # The team's own id for the customer, unique among customers.
    reference: Reference | None = None
    contacts: Annotated[list[NewCustomerContact], Field(min_length=1, max_length=CONTACTS_MAX)]

    def profile(self) -> CustomerProfile:
        legal = NamedAddress(name=self.name, address=self.address)
        return CustomerProfile(legal=legal, payment=self.payment or legal)

    def emails(self) -> list[str]:
        return [str(contact.email) for contact in self.contacts]


def as_contact_change(contacts: Iterable[NewCustomerContact]) -> ContactChangeCreate:
    """The contacts as a contact change adding each of them (in order) to no contacts."""
    return ContactChangeCreate(
        changes=[
            AddContact(
                op="add",
                contact=NewContact.model_validate(contact.model_dump(exclude={"roles"})),
                roles=contact.roles,
            )
            for contact in contacts
        ]
    )


def new_customer_problems(
    form: CustomerCreate,
    required_roles: Iterable[Role],
    emails_taken: frozenset[str],
    reference_taken: bool,
) -> list[Problem]:
    """Every reason the customer cannot be created; empty when it can. ``emails_taken``:
    the (lower-case) emails an account uses already, a contact's or the team's."""
    return contacts_problems(
        as_contact_change(form.contacts), required_roles, emails_taken, reference_taken
    )


def contacts_problems(
    batch: ContactChangeCreate,
    required_roles: Iterable[Role],
    emails_taken: frozenset[str],
    reference_taken: bool,
) -> list[Problem]:
    """The rules' problems with the contacts as a contact change adding them, at the new
    customer's locations, and with its account reference."""
    return reference_problems(reference_taken) + [
        Problem(_contacts_loc(problem.loc), problem.msg, problem.type, problem.role)
        for problem in contact_change_problems([], batch, required_roles, None, emails_taken)
    ]


def reference_problems(reference_taken: bool) -> list[Problem]:
    if not reference_taken:
        return []
    return [
        Problem(
            ("body", "reference"), "another customer has this account reference", "reference_in_use"
        )
    ]


def readable_contacts(body: Any) -> ContactChangeCreate | None:
    """A form the schema refused, its contacts read as far as the rules can still check
    them (as a contact change's additions are), each in its place; None if none can be."""
    if not isinstance(body, dict):
        return None
    contacts = body.get("contacts")
    if not isinstance(contacts, list) or not contacts or len(contacts) > CONTACTS_MAX:
        return None
    additions = [
        {
            "op": "add",
            "contact": {name: value for name, value in contact.items() if name != "roles"},
            "roles": contact.get("roles"),
        }
        if isinstance(contact, dict)
        else None
        for contact in contacts
    ]
    return readable_batch({"changes": additions})


def readable_reference(body: Any) -> str | None:
    given = body.get("reference") if isinstance(body, dict) else None
    return valid(_reference, given)


def _contacts_loc(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """Where a contact change's problem lies in the new customer's form: change ``i``'s
    ``contact`` fields and ``roles`` are contact ``i``'s own."""
    if loc[:2] != ("body", "changes"):
        return loc
    rest = [part for part in loc[2:] if part != "contact"]
    return ("body", "contacts", *rest)


READING = Reading(read=readable_contacts, whole=WHOLE)
