"""The service team's New customer form: the customer's name, account reference, legal and
payment address, and its first contacts in rows as the Contacts Manager's new rows; read
as ``POST /customers`` reads its JSON and created by the same service."""

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import SettingsDep
from api.errors import Conflict, NotFound, Unavailable
from api.portal import contact_rows
from api.portal.auth import PostedForm, SignedInDep
from api.portal.contact_rows import DETAIL_LABELS, NEW_ROWS, REQUIRED_DETAILS, ContactRow
from api.portal.forms import COUNTRIES, FormErrors, nested, sentence
from api.portal.render import redirect, render
from api.services import onboarding
from api.services.portal_sessions import SignedIn
from models.access import may_decide
from models.contact_fields import DETAIL_FIELDS
from models.enums import Role, Side
from models.new_customer import CustomerCreate
from models.problems import Loc, ValidationProblems
from models.roles import roles_not_allowed
from settings import Settings

router = APIRouter()
PATH = "/portal/customers/new"

# The customer's own fields: the schema's locations, and their labels.
FIELDS = {
    "name": "Customer name",
    "reference": "Account reference",
    "address.street": "Street",
    "address.city": "City",
    "address.postal_code": "Postal code",
    "address.country": "Country",
    "payment.name": "Payment name",
    "payment.address.street": "Payment street",
    "payment.address.city": "Payment city",
    "payment.address.postal_code": "Payment postal code",
    "payment.address.country": "Payment country",
}
SAME = "payment_same_as_legal"
# A customer starts with no purchaser: its contacts may hold any role but the purchaser's.
ROLES = [role for role in Role if not roles_not_allowed(Side.CUSTOMER, frozenset({role}), None)]


def _numbered(row: ContactRow) -> str:
    return "the new contact" if row.number == 1 else f"new contact {row.number}"


def labels(rows: Sequence[ContactRow]) -> dict[str, str]:
    """Each field's label, as the page shows it and the problems' summary names it."""
    named = dict(FIELDS)
    for row in rows:
        # As the Contacts Manager's new rows: "New contact first name", "New contact 2 email".
        heading = "New contact" if row.number == 1 else f"New contact {row.number}"
        for name in DETAIL_FIELDS:
            named[f"{row.key}.{name}"] = f"{heading} {DETAIL_LABELS[name].lower()}"
        named[f"{row.key}.roles"] = f"Roles for {_numbered(row)}"
    return named


def _contacts(rows: Sequence[ContactRow]) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows that are not blank as the schema's contacts, and the row each came from."""
    contacts, keys = [], []
    for row in rows:
        if row.blank():
            continue
        contact: dict[str, Any] = {
            name: value for name, value in row.details.items() if value or name in REQUIRED_DETAILS
        }
        contact["roles"] = [role.value for role in Role if role in row.roles]
        contacts.append(contact)
        keys.append(row.key)
    return contacts, keys


def _placement(keys: Sequence[str], known: frozenset[str]) -> Any:
    """Where a problem goes: a contact's beside its row's field (its roles for a problem
    with them), the customer's beside its own field, a whole-form one above the form."""

    def where(loc: Loc, role: Role | None) -> list[str]:
        parts = [str(part) for part in loc]
        if parts[:1] == ["body"]:
            parts.pop(0)
        if parts[:1] == ["contacts"]:
            if len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(keys):
                key = keys[int(parts[1])]
                field = parts[2] if len(parts) > 2 else "roles"
                return [f"{key}.{field if field in DETAIL_FIELDS else 'roles'}"]
            return []
        while parts:
            if ".".join(parts) in known:
                return [".".join(parts)]
            parts.pop()
        return []

    return where


def _staff_only(person: SignedIn) -> None:
    if not may_decide(person.principal):
        raise NotFound("this page is for the service team")


def _page(
    request: Request,
    person: SignedIn,
    settings: Settings,
    rows: list[ContactRow],
    values: Mapping[str, str] | None = None,
    same: bool = True,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    named = labels(rows)
    return render(
        request,
        "new_customer.html",
        person,
        "New customer",
        status_code=status_code,
        fields=FIELDS,
        labels=named,
        values={**(values or {})}
        | {f"{row.key}.{name}": value for row in rows for name, value in row.details.items()},
        same=same,
        same_field=SAME,
        rows=rows,
        new_rows_field=NEW_ROWS,
        roles=ROLES,
        required=frozenset(settings.required_roles),
        detail_fields=DETAIL_FIELDS,
        numbered=_numbered,
        countries=COUNTRIES,
        errors=errors or FormErrors(labels=named),
    )


@router.get(PATH, response_class=HTMLResponse)
async def new_customer_form(
    request: Request, person: SignedInDep, settings: SettingsDep
) -> HTMLResponse:
    _staff_only(person)
    return _page(request, person, settings, [contact_rows.new_row(1)], {"address.country": ""})


@router.post(PATH, response_class=HTMLResponse)
async def create_customer(sent: PostedForm) -> Response:
    """Create customer: the form read as ``POST /customers`` reads its JSON, created by the
    same service or refused with every problem beside its field; or, with Add contact, the
    form again with one row more."""
    request, person, session, temporal, settings = sent
    _staff_only(person)
    posted = {name: str(value) for name, value in (await request.form()).items()}
    values = {name: posted.get(name, "").strip() for name in FIELDS}
    same = SAME in posted
    count = contact_rows.new_row_count(posted)
    rows = [contact_rows.new_row(number, posted) for number in range(1, count + 1)]
    if "add_row" in posted:
        rows.append(contact_rows.new_row(len(rows) + 1))
        return _page(request, person, settings, rows, values, same)
    contacts, keys = _contacts(rows)
    data: dict[str, Any] = nested({name: value for name, value in values.items()})
    data["reference"] = values["reference"] or None
    data["contacts"] = contacts
    if same:
        data["payment"] = None
    named = labels(rows)
    errors = FormErrors(labels=named, where=_placement(keys, frozenset(named)))
    if not contacts:
        errors.general.append("Add at least one contact, with their roles.")
    form = errors.parse(CustomerCreate, data)
    creating = onboarding.Onboarding(session, temporal, settings, person.principal)
    if form is None:
        errors.add_problems(await onboarding.problems_beside_schema(creating, data, errors.refused))
    elif not errors:
        try:
            customer = await onboarding.create_customer(creating, form)
        except ValidationProblems as refused:
            errors.add_problems(refused.problems)
        except (Conflict, Unavailable) as refused:
            # Nothing was stored: the form stays as typed, to send again.
            errors.general.append(f"{sentence(refused.detail)} Nothing was created.")
            return _page(request, person, settings, rows, values, same, errors, refused.status_code)
        else:
            return redirect(f"/portal/customers/{customer.id}", "customer-created")
    return _page(request, person, settings, rows, values, same, errors, 422)
