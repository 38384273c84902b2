"""Customers and contacts imported from a CSV file, one row per contact, and its rules.

Pure: the file is read into customers (rows grouped by customer reference), and each is
planned against what the database holds of it, with every problem named by its line (the
header is line 1) and column, in words a person uses. A customer is checked by the rules
of a contact change on its contacts as they are (none, for a new customer: the rules of
the portal's New customer), so an import refuses what the portal refuses.
"""

import csv
import io
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from models.contact_change import (
    AddContact,
    AddRoles,
    ContactChangeCreate,
    ContactEdit,
    DetailUpdates,
    NewContact,
    RemoveRoles,
    UpdateContact,
    contact_change_problems,
    project,
)
from models.contact_fields import DETAIL_FIELDS
from models.contact_state import ContactState
from models.customer import CustomerProfile
from models.enums import Responsibility, Role, Side
from models.new_customer import CONTACTS_MAX, CustomerCreate, NewCustomerContact
from models.problems import Problem

CUSTOMER_COLUMNS = (
    "customer_reference",
    "customer_name",
    "street",
    "city",
    "postal_code",
    "country",
)
COLUMNS = (*CUSTOMER_COLUMNS, *DETAIL_FIELDS, "roles")
ROLE_SEPARATOR = ";"
# Where the reader puts the values of a row past the header's columns.
_EXTRA = "\0extra"
# A role as the file may name it: its value (cust_admin) or its label (Cust Admin), any case.
_ROLES_BY_NAME = {name.casefold(): role for role in Role for name in (role.value, role.label)}
# Where each column goes in a new customer's form.
_FORM_PLACES: dict[tuple[str, ...], str] = {
    ("reference",): "customer_reference",
    ("name",): "customer_name",
    **{("address", part): part for part in ("street", "city", "postal_code", "country")},
}


class UnreadableFile(Exception):
    """The file cannot be imported at all: not text, not CSV, or not the columns it needs."""


@dataclass(frozen=True)
class RowProblem:
    """Why a row (and so its customer) cannot go in: its line, and the column if one."""

    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}, {self.column}" if self.column else f"line {self.line}"
        return f"{where}: {self.message}"

    def order(self) -> tuple[int, str, str]:
        return self.line, self.column or "", self.message


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]

    def get(self, column: str) -> str | None:
        """The column's value, stripped; None when empty."""
        return self.values.get(column) or None


@dataclass
class CustomerRows:
    """A customer's rows: those of one reference (compared in any case)."""

    reference: str
    rows: list[Row] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def first_line(self) -> int:
        return self.rows[0].line

    @property
    def name(self) -> str:
        return self.rows[0].get("customer_name") or ""

    def emails(self) -> list[str]:
        return [email.lower() for row in self.rows if (email := row.get("email"))]


@dataclass(frozen=True)
class ImportFile:
    """The file's customers, in the order they first appear, and the rows that name none."""

    customers: list[CustomerRows]
    problems: list[RowProblem]


def read_file(text: str) -> ImportFile:
    """The file's rows grouped by customer, with the problems found in the file alone (a
    customer's rows that disagree, an email given twice). Raises ``UnreadableFile`` when
    the header does not name exactly the columns."""
    reader = csv.DictReader(io.StringIO(text, newline=""), restkey=_EXTRA)
    try:
        header = reader.fieldnames
        if header is None:
            raise UnreadableFile(
                f"line 1: the file is empty; its first line names the columns: {', '.join(COLUMNS)}"
            )
        _check_header([name.strip() for name in header])
        reader.fieldnames = [name.strip() for name in header]
        rows = _rows(reader)
    except csv.Error as error:
        raise UnreadableFile(f"line {reader.line_num}: not CSV as expected ({error})") from None
    customers: dict[str, CustomerRows] = {}
    stray: list[RowProblem] = []
    for row, problem in rows:
        reference = row.get("customer_reference")
        if reference is None:
            stray.append(
                problem
                or RowProblem(row.line, "customer_reference", "give the customer's reference")
            )
            continue
        customer = customers.setdefault(reference.lower(), CustomerRows(reference))
        customer.rows.append(row)
        if problem is not None:
            customer.problems.append(problem)
    for customer in customers.values():
        customer.problems += _disagreements(customer)
    _email_given_twice(customers.values())
    return ImportFile(list(customers.values()), stray)


def _check_header(names: list[str]) -> None:
    problems = []
    missing = [name for name in COLUMNS if name not in names]
    unknown = [name for name in names if name not in COLUMNS]
    twice = sorted({name for name in names if names.count(name) > 1})
    if missing:
        problems.append(f"the header lacks {_columns(missing)}")
    if unknown:
        problems.append(f"the header has {_columns(unknown, 'unknown ')}")
    if twice:
        problems.append(f"the header names {_columns(twice)} twice")
    if problems:
        raise UnreadableFile(
            f"line 1: {'; '.join(problems)}. The columns are: {', '.join(COLUMNS)}"
        )


def _columns(names: Sequence[str], kind: str = "") -> str:
    quoted = ", ".join(f'"{name}"' for name in names)
    return f"the {kind}column{'s' if len(names) > 1 else ''} {quoted}"


def _rows(reader: "csv.DictReader[str]") -> list[tuple[Row, RowProblem | None]]:
    """Each row, and the problem of one with too few or too many values."""
    rows: list[tuple[Row, RowProblem | None]] = []
    for values in reader:
        # A record's last line: the line itself, unless a quoted value spans lines.
        line = reader.line_num
        extra = values.pop(_EXTRA, None)
        count = sum(value is not None for value in values.values()) + len(extra or ())
        problem = None
        if count != len(COLUMNS):
            problem = RowProblem(
                line, None, f"has {count} values where the header names {len(COLUMNS)}"
            )
        kept = {name: (value or "").strip() for name, value in values.items()}
        rows.append((Row(line, kept), problem))
    return rows


def _disagreements(customer: CustomerRows) -> list[RowProblem]:
    first = customer.rows[0]
    return [
        RowProblem(
            row.line,
            column,
            f"differs from line {first.line} for the same customer reference "
            "(each row repeats its customer's columns alike)",
        )
        for row in customer.rows[1:]
        for column in CUSTOMER_COLUMNS[1:]
        if (row.get(column) or "") != (first.get(column) or "")
    ]


def _email_given_twice(customers: Iterable[CustomerRows]) -> None:
    lines: dict[str, list[int]] = defaultdict(list)
    for customer in customers:
        for row in customer.rows:
            if email := row.get("email"):
                lines[email.lower()].append(row.line)
    for customer in customers:
        for row in customer.rows:
            others = [line for line in lines[(row.get("email") or "").lower()] if line != row.line]
            if others and row.get("email"):
                customer.problems.append(
                    RowProblem(
                        row.line,
                        "email",
                        f"this email is also on line {_and(others)}: an email names one person",
                    )
                )


def _and(numbers: Sequence[int]) -> str:
    words = [str(number) for number in numbers]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def parse_roles(text: str | None) -> tuple[list[Role], list[str]]:
    """The roles named (separated by ``;``, by value or label, any case), and the names
    that are no role."""
    roles, unknown = [], []
    for name in (part.strip() for part in (text or "").split(ROLE_SEPARATOR)):
        if not name:
            continue
        role = _ROLES_BY_NAME.get(name.casefold())
        if role is None:
            unknown.append(name)
        elif role not in roles:
            roles.append(role)
    return roles, unknown


@dataclass(frozen=True)
class Existing:
    """A customer the database holds under the reference, as the rules see it."""

    id: uuid.UUID
    profile: CustomerProfile
    contacts: tuple[ContactState, ...]
    purchaser: Responsibility | None = None
    archived: bool = False
    # A request of it is open: what it says the customer is must not change under it.
    open_request: bool = False


@dataclass
class Plan:
    """What importing a customer does: create it, update it, nothing, or leave it out
    (``problems``). ``contacts``: the contacts it adds or updates, as they will be."""

    reference: str
    name: str
    first_line: int
    existing: Existing | None
    problems: list[RowProblem] = field(default_factory=list)
    # The profile to store: a new customer's, or an existing one's when it changes.
    profile: CustomerProfile | None = None
    contacts: list[ContactState] = field(default_factory=list)
    # The existing contacts the file names, and how many of the customer's it does not.
    listed: list[uuid.UUID] = field(default_factory=list)
    unlisted: int = 0

    @property
    def outcome(self) -> str:
        if self.problems:
            return "left out"
        if self.existing is None:
            return "created"
        return "updated" if self.profile is not None or self.contacts else "unchanged"

    def added(self) -> list[ContactState]:
        return [contact for contact in self.contacts if contact.change == "added"]

    def updated(self) -> list[ContactState]:
        return [contact for contact in self.contacts if contact.change == "updated"]


def plan_customer(
    customer: CustomerRows,
    existing: Existing | None,
    emails_taken: Mapping[str, uuid.UUID | None],
    required_roles: Iterable[Role],
) -> Plan:
    """What importing the customer would do, or every reason it cannot go in.
    ``emails_taken``: which of its emails an account uses, at its customer (None: staff)."""
    plan = Plan(customer.reference, customer.name, customer.first_line, existing)
    problems = list(customer.problems)
    if existing is not None and existing.archived:
        problems.append(
            RowProblem(customer.first_line, "customer_reference", "this customer is archived")
        )
    form, refused = _form(customer, problems)
    if form is not None:
        problems += _planned(plan, form, customer.rows, refused, emails_taken, required_roles)
    if existing is not None and existing.open_request and plan.outcome == "updated":
        problems.append(
            RowProblem(
                customer.first_line,
                "customer_reference",
                "a request of this customer is open: import its changes once it is closed",
            )
        )
    plan.problems = sorted(set(problems), key=RowProblem.order)
    return plan


def _form(
    customer: CustomerRows, problems: list[RowProblem]
) -> tuple[CustomerCreate | None, set[int]]:
    """The customer's form made of its rows that are well-formed alone (None if the
    customer's own columns are not), and the positions of the rows that are not."""
    # A row with a problem of its own (not of its customer's columns) is refused.
    refused = {
        index
        for index, row in enumerate(customer.rows)
        for problem in customer.problems
        if problem.line == row.line and problem.column not in CUSTOMER_COLUMNS
    }
    contacts: list[dict[str, Any]] = []
    unknown_roles: set[int] = set()
    for index, row in enumerate(customer.rows):
        roles, unknown = parse_roles(row.get("roles"))
        if unknown:
            refused.add(index)
            unknown_roles.add(index)
            names = ", ".join(f'"{name}"' for name in unknown)
            known = ", ".join(role.label for role in Role)
            problems.append(
                RowProblem(row.line, "roles", f"no role is called {names} (the roles: {known})")
            )
        details = {name: row.get(name) for name in DETAIL_FIELDS if row.get(name) is not None}
        contacts.append({**details, "roles": [role.value for role in roles]})
    first = customer.rows[0]
    country = first.get("country")
    fields: dict[str, Any] = {
        "reference": customer.reference,
        "name": first.get("customer_name"),
        "address": {part: first.get(part) for part in ("street", "city", "postal_code")}
        | {"country": country.upper() if country else None},
    }
    # The customer's own columns refused, or too many contacts: no form to check further.
    whole = False
    try:
        form = CustomerCreate.model_validate({**fields, "contacts": contacts})
        if not refused:
            return form, refused
    except ValidationError as error:
        for problem in error.errors():
            loc = tuple(str(part) for part in problem["loc"])
            if loc[:1] == ("contacts",) and len(loc) > 2:
                index, column = int(loc[1]), loc[2]
                refused.add(index)
                if column == "roles" and not contacts[index]["roles"] and index in unknown_roles:
                    continue  # said already: the roles it names are none
                row = customer.rows[index]
                problems.append(RowProblem(row.line, column, _in_words(problem, column)))
            elif loc == ("contacts",):
                message = f"a customer is imported with at most {CONTACTS_MAX} contacts"
                problems.append(RowProblem(first.line, None, message))
                whole = True
            else:
                place = _FORM_PLACES.get(loc)
                problems.append(RowProblem(first.line, place, _in_words(problem, place)))
                whole = True
    kept = [contact for index, contact in enumerate(contacts) if index not in refused]
    if whole or not kept:
        return None, refused
    return CustomerCreate.model_validate({**fields, "contacts": kept}), refused


def _in_words(problem: ErrorDetails, column: str | None) -> str:
    kind, given = problem["type"], problem.get("input")
    blank = given is None or (isinstance(given, str) and not given.strip())
    what = (column or "value").replace("_", " ")
    if column == "roles" and kind == "too_short":
        return "give at least one role"
    if blank or kind == "missing":
        return f"give the {what}"
    if kind == "string_too_long":
        return f"at most {(problem.get('ctx') or {}).get('max_length')} characters"
    if column == "email":
        return "not a valid email address"
    if column == "phone":
        return "not a phone number (digits, spaces and + ( ) . / -)"
    if column == "country":
        return "not a country's two-letter code (ISO 3166-1, such as GB)"
    if column == "customer_reference" and kind == "string_pattern_mismatch":
        return "a reference has no spaces"
    return problem["msg"].removeprefix("Value error, ")


def _planned(
    plan: Plan,
    form: CustomerCreate,
    rows: Sequence[Row],
    refused: set[int],
    emails_taken: Mapping[str, uuid.UUID | None],
    required_roles: Iterable[Role],
) -> list[RowProblem]:
    """Fill ``plan`` with what the form changes, checked by the rules of a contact change on
    the customer's contacts as they are (``refused`` rows left out of the check)."""
    existing = plan.existing
    current = list(existing.contacts) if existing else []
    by_email = {contact.email: contact for contact in current if contact.email}
    lines = [row.line for index, row in enumerate(rows) if index not in refused]
    changes: list[ContactEdit] = []
    change_lines: list[int] = []
    problems: list[RowProblem] = []
    for line, contact in zip(lines, form.contacts, strict=True):
        known = by_email.get(str(contact.email))
        if known is not None and known.side is not Side.CUSTOMER:
            problems.append(RowProblem(line, "email", _PURCHASERS))
            continue
        edits = _edits(contact, known)
        changes += edits
        change_lines += [line] * len(edits)
        if known is not None and known.id is not None:
            plan.listed.append(known.id)
    # Taken by another customer's contact, or by the team (None); for a new customer, taken.
    elsewhere = frozenset(
        email for email, at in emails_taken.items() if existing is None or at != existing.id
    )
    batch = ContactChangeCreate.model_construct(changes=changes)
    purchaser = existing.purchaser if existing else None
    for problem in contact_change_problems(current, batch, required_roles, purchaser, elsewhere):
        # A refused row may hold a role the rules would miss: they are told once it is fixed.
        if not (refused and problem.type == "required_role_unheld"):
            problems.append(_placed(problem, change_lines, plan.first_line))
    legal = form.profile().legal
    if existing is None:
        plan.profile = form.profile()
    else:
        old = existing.profile
        # Imported customers pay at their legal details; a payment set apart stays.
        payment = legal if old.payment == old.legal else old.payment
        profile = CustomerProfile(legal=legal, payment=payment)
        plan.profile = profile if profile != old else None
        listed = set(plan.listed)
        plan.unlisted = sum(1 for c in current if c.side is Side.CUSTOMER and c.id not in listed)
    plan.contacts = [c for c in project(current, batch) if c.change in ("added", "updated")]
    return problems


_PURCHASERS = (
    "this email is a contact of the customer's purchaser; the import adds and updates the "
    "customer's own contacts"
)


def _edits(contact: NewCustomerContact, known: ContactState | None) -> list[ContactEdit]:
    """The changes that make ``known`` the row's contact, or add it."""
    if known is None or known.id is None:
        # Validated already, as the new customer's contact.
        new = NewContact.model_construct(**contact.model_dump(exclude={"roles"}))
        return [AddContact(op="add", contact=new, roles=contact.roles)]
    edits: list[ContactEdit] = []
    changed = {
        name: value
        for name in DETAIL_FIELDS
        if (value := getattr(contact, name)) != known.details.get(name)
    }
    if changed:
        edits.append(
            UpdateContact(op="update", contact_id=known.id, fields=DetailUpdates(**changed))
        )
    wanted = set(contact.roles)
    if gained := sorted(wanted - known.roles):
        edits.append(AddRoles(op="add_roles", contact_id=known.id, roles=gained))
    if lost := sorted(known.roles - wanted):
        edits.append(RemoveRoles(op="remove_roles", contact_id=known.id, roles=lost))
    return edits


def _placed(problem: Problem, change_lines: Sequence[int], first_line: int) -> RowProblem:
    """A rule's problem at the line of the change it is about (the customer's first line
    for one about all its contacts), and its column."""
    loc = problem.loc
    if len(loc) > 2 and loc[:2] == ("body", "changes") and isinstance(loc[2], int):
        column = str(loc[-1]) if str(loc[-1]) in COLUMNS else None
        return RowProblem(change_lines[loc[2]], column, problem.msg)
    column = "roles" if problem.role is not None else None
    return RowProblem(first_line, column, problem.msg)
