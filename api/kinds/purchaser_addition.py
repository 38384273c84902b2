"""Portal pages: requesting a purchaser's addition, its contacts in rows, with what the
customer's own contacts give up once it is implemented."""

import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import FilingDep, SessionDep
from api.errors import Conflict
from api.idempotency import KEYED
from api.identity import require_requester
from api.kinds import (
    FILING,
    Details,
    KindApi,
    filed,
    filing_router,
    purchaser_and_contacts,
)
from api.portal import acting as team
from api.portal.acting import Acting, customer_of
from api.portal.auth import PostedForm, SignedInDep
from api.portal.form_filing import file_form
from api.portal.forms import COUNTRIES, FormErrors, nested
from api.portal.render import redirect, render
from api.services import customers
from api.services.filing import Filing
from api.services.portal_sessions import SignedIn
from api.services.request_views import present
from models.contact_state import ContactState
from models.customer import CustomerPublic
from models.enums import RequestKind, Responsibility, Role
from models.ids import ascii_number
from models.kinds import KINDS
from models.on_behalf import FIELD
from models.purchaser_addition import (
    MOST_CONTACTS,
    PurchaserAdditionCreate,
    roles_after_addition,
    stored_addition,
)
from models.queries import contact_state, living_contacts
from models.request import ChangeRequest, RequestPublic
from models.roles import purchaser_roles

pages = APIRouter()

PATH = "/portal/purchaser/addition"
# The same form, the service team acting for the customer.
ACTING_PATH = "/portal/customers/{customer_id}/purchaser/addition"
ORGANISATION = {
    "purchaser.name": "Purchaser name",
    "purchaser.address.street": "Purchaser street",
    "purchaser.address.city": "Purchaser city",
    "purchaser.address.postal_code": "Purchaser postal code",
    "purchaser.address.country": "Purchaser country",
}
RESPONSIBILITY = "responsibility"
APPROVERS = {
    "approvers.customer.name": "Customer approver name",
    "approvers.customer.email": "Customer approver email",
    "approvers.purchaser.name": "Purchaser approver name",
    "approvers.purchaser.email": "Purchaser approver email",
}
DETAILS = {"first_name": "first name", "last_name": "last name", "email": "email", "phone": "phone"}
CONTACTS = "contacts"
ROWS = "rows"
ADD_ROW = "add_row"
MAX_ROWS = MOST_CONTACTS  # as many contacts as the schema takes
# The roles a purchaser contact may hold under some responsibility, in the roles' order.
CONTACT_ROLES = [r for r in Role if any(r in purchaser_roles(s) for s in Responsibility)]
ENCLOSING = frozenset(
    {"purchaser", "purchaser.address", "approvers", "approvers.customer", "approvers.purchaser"}
)


def row_name(index: int) -> str:
    """How a row's fields are labelled: the first plain, the next ones numbered."""
    return "Purchaser contact" if index == 0 else f"Purchaser contact {index + 1}"


def roles_field(index: int) -> str:
    return f"{CONTACTS}.{index}.roles"


@dataclass(frozen=True)
class PurchaserContactRow:
    """One purchaser contact's fields: (name, label) of each detail, and of each role box."""

    index: int
    title: str
    details: list[tuple[str, str]]
    roles_name: str
    roles: list[tuple[str, str]]


def rows_of(count: int) -> list[PurchaserContactRow]:
    return [
        PurchaserContactRow(
            index,
            row_name(index),
            [
                (f"{CONTACTS}.{index}.{part}", f"{row_name(index)} {said}")
                for part, said in DETAILS.items()
            ],
            roles_field(index),
            [(role.value, f"{role.label} for {row_name(index).lower()}") for role in CONTACT_ROLES],
        )
        for index in range(count)
    ]


def labels_for(count: int) -> dict[str, str]:
    labels = dict(ORGANISATION) | {RESPONSIBILITY: "Responsibility", CONTACTS: "Purchaser contacts"}
    for each in rows_of(count):
        labels |= dict(each.details)
        labels[each.roles_name] = f"Roles of {each.title.lower()}"
    return labels | APPROVERS


@dataclass(frozen=True)
class Loss:
    """What the customer's own contacts give up under one responsibility."""

    responsibility: Responsibility
    contacts: list[tuple[str, str]]  # a contact's name, the roles it gives up

    @property
    def label(self) -> str:
        return self.responsibility.value.title()


def _name(contact: ContactState) -> str:
    return contact.name or contact.email or "(erased)"


def losses(contacts: list[ContactState], responsibilities: list[Responsibility]) -> list[Loss]:
    """For each responsibility, which customer contacts lose which roles (role exclusivity)."""
    return [
        Loss(
            responsibility,
            [
                (_name(contact), ", ".join(r.label for r in Role if r in roles))
                for contact, roles in roles_after_addition(contacts, responsibility)
            ],
        )
        for responsibility in responsibilities
    ]


@dataclass(frozen=True)
class AdditionPage:
    customer_id: uuid.UUID
    view: CustomerPublic
    contacts: list[ContactState]
    acting: Acting | None = None


async def _scene(
    session: AsyncSession, person: SignedIn, acting_for: uuid.UUID | None = None
) -> AdditionPage:
    """The form's facts, once the person may ask for it: 404 for someone who is no
    customer's contact, 403 for one who may not file, 409 with a purchaser assigned."""
    customer_id = customer_of(person, acting_for)
    require_requester(person.principal, customer_id)
    view = await customers.customer_view(session, person.principal, customer_id)
    purchaser = view.purchaser.responsibility if view.purchaser else None
    conflict = KINDS[RequestKind.PURCHASER_ADDITION].conflict(purchaser)
    if conflict is not None:
        raise Conflict(conflict)
    contacts = [contact_state(c) for c in await living_contacts(session, customer_id)]
    acting = Acting(customer_id, view.legal.name) if acting_for else None
    return AdditionPage(customer_id, view, contacts, acting)


def _page(
    request: Request,
    person: SignedIn,
    scene: AdditionPage,
    count: int = 1,
    values: dict[str, str] | None = None,
    chosen: dict[str, set[str]] | None = None,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    values = values or {}
    picked = values.get(RESPONSIBILITY, "")
    responsibility = next((r for r in Responsibility if r.value == picked), None)
    shown = [responsibility] if responsibility else list(Responsibility)
    return render(
        request,
        "purchaser_addition.html",
        person,
        f"Request purchaser addition for {scene.view.legal.name}"
        if scene.acting
        else "Request purchaser addition",
        status_code=status_code,
        acting=scene.acting,
        organisation=ORGANISATION,
        approvers=APPROVERS,
        responsibilities=[(r.value, r.value.title()) for r in Responsibility],
        rows=rows_of(count),
        count=count,
        values=values,
        chosen=chosen or {},
        responsibility=responsibility,
        losses=losses(scene.contacts, shown),
        countries=COUNTRIES,
        errors=errors or FormErrors(labels=labels_for(count) | team.LABELS),
    )


@pages.get(PATH, response_class=HTMLResponse)
@pages.get(ACTING_PATH, response_class=HTMLResponse)
async def addition_form(
    request: Request, person: SignedInDep, session: SessionDep, customer_id: uuid.UUID | None = None
) -> HTMLResponse:
    scene = await _scene(session, person, customer_id)
    return _page(request, person, scene)


def _count(posted: Any) -> int:
    count = ascii_number(str(posted.get(ROWS, "1")), 9) or 1
    return max(1, min(count, MAX_ROWS))


def _without_blank_rows(
    count: int, values: dict[str, str], chosen: dict[str, set[str]]
) -> tuple[int, dict[str, str], dict[str, set[str]]]:
    """The form with rows left wholly blank (one added, say, then not used) taken out and
    the rest numbered again; one blank row stays when all are."""
    filled = [
        each
        for each in rows_of(count)
        if chosen[each.roles_name] or any(values[name] for name, _ in each.details)
    ]
    kept = {name: value for name, value in values.items() if not name.startswith(f"{CONTACTS}.")}
    ticked: dict[str, set[str]] = {}
    for new in rows_of(max(1, len(filled))):
        old = filled[new.index] if new.index < len(filled) else None
        for (name, _), (was, _) in zip(new.details, (old or new).details, strict=True):
            kept[name] = values[was] if old else ""
        ticked[new.roles_name] = chosen[old.roles_name] if old else set()
    return max(1, len(filled)), kept, ticked


def _data(values: dict[str, str], chosen: dict[str, set[str]], count: int) -> dict[str, Any]:
    """The form as the API's schema reads it: an empty phone is none given."""
    flat = {
        name: value
        for name, value in values.items()
        if not name.startswith(f"{CONTACTS}.") and name != FIELD
    }
    data: dict[str, Any] = nested(flat)
    data[CONTACTS] = []
    for each in rows_of(count):
        ticked = chosen[each.roles_name]
        contact: dict[str, Any] = {name.rsplit(".", 1)[1]: values[name] for name, _ in each.details}
        if not contact["phone"]:
            contact["phone"] = None
        contact["roles"] = [role.value for role in CONTACT_ROLES if role.value in ticked]
        data[CONTACTS].append(contact)
    return data


@pages.post(PATH, response_class=HTMLResponse)
@pages.post(ACTING_PATH, response_class=HTMLResponse)
async def request_addition(sent: PostedForm, customer_id: uuid.UUID | None = None) -> Response:
    """Request purchaser addition: the form read as the API's schema, filed by the same
    service as ``POST /customers/{id}/purchaser-addition-requests`` or refused with every
    problem as it would be; or, with Add purchaser contact, the form back with one more
    row."""
    request, person, session, temporal, settings = sent
    scene = await _scene(session, person, customer_id)
    posted = await request.form()
    count = _count(posted)
    labels = labels_for(count)
    values = {
        name: str(posted.get(name, "")).strip() for name in labels if not name.endswith(".roles")
    }
    values.pop(CONTACTS, None)
    values[FIELD] = team.reason(posted)
    chosen = {
        roles_field(i): {str(v) for v in posted.getlist(roles_field(i))} for i in range(count)
    }
    if posted.get(ADD_ROW) is not None:
        more = min(count + 1, MAX_ROWS)
        return _page(request, person, scene, more, values, chosen)
    count, values, chosen = _without_blank_rows(count, values, chosen)
    labels = labels_for(count) | team.LABELS
    known = frozenset(labels) | ENCLOSING
    errors = FormErrors(labels=labels, known=known)
    outcome = await file_form(
        Filing(session, temporal, settings, person.principal),
        scene.customer_id,
        RequestKind.PURCHASER_ADDITION,
        team.with_reason(_data(values, chosen, count), values[FIELD], scene.acting),
        errors,
    )
    if outcome.filed is not None:
        return redirect(f"/portal/requests/{outcome.filed.id}", "filed")
    return _page(request, person, scene, count, values, chosen, errors, outcome.status_code)


async def details(session: AsyncSession, request: ChangeRequest) -> Details:
    """The purchaser and contacts now; the purchaser, its contacts and approvers asked for,
    and the roles customer contacts would give up to it."""
    existing, current = await purchaser_and_contacts(session, request)
    if request.requested is None:
        return existing, None
    # As stored: once its purchaser has been removed, the people in it are blanked out.
    requested = dict(request.requested)
    if request.status.is_open:
        form, _ = stored_addition(request.requested)
        requested["roles_moving"] = [
            {"contact_id": str(state.id), "roles": sorted(role.value for role in roles)}
            for state, roles in roles_after_addition(current, form.responsibility)
        ]
    return existing, requested


filing = filing_router(RequestKind.PURCHASER_ADDITION)


@filing.post(
    "/{customer_id}/purchaser-addition-requests",
    name="request_purchaser_addition",
    status_code=status.HTTP_201_CREATED,
    responses=FILING,
    openapi_extra=KEYED,
)
async def file_purchaser_addition(
    customer_id: uuid.UUID, form: PurchaserAdditionCreate, response: Response, filing: FilingDep
) -> RequestPublic:
    """Request a purchaser organisation, approved at both organisations (Management, Cust Admin)."""
    request = await filed(filing, customer_id, RequestKind.PURCHASER_ADDITION, form, response)
    return await present(filing.session, request)


API = KindApi(details=details, filing=filing, pages=pages)
