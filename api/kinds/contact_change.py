"""The customer's contacts and their roles: the Contacts Manager for Management and Cust
Admin (the batch of changes read from the form, filed by the same service as the API's),
read-only for everyone else."""

import uuid
from collections.abc import Collection
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import FilingDep, SessionDep, SettingsDep
from api.errors import Forbidden
from api.idempotency import KEYED
from api.kinds import (
    FILING,
    Details,
    KindApi,
    contact_row,
    filed,
    filing_router,
)
from api.portal import acting as team
from api.portal import contact_rows
from api.portal.acting import Acting, customer_of
from api.portal.auth import PostedForm, SignedInDep
from api.portal.contact_rows import APPROVER_FIELDS, DETAIL_LABELS, NEW_ROWS, ContactRow
from api.portal.form_filing import file_form
from api.portal.forms import FormErrors
from api.portal.render import redirect, render
from api.services import customers, request_views
from api.services.filing import Filing
from api.services.portal_sessions import SignedIn
from api.services.request_views import present
from models.access import may_file
from models.contact import ContactPublic
from models.contact_change import ContactChangeCreate, project, purchasers_approver, stored_batch
from models.contact_fields import DETAIL_FIELDS
from models.contact_state import ContactState
from models.enums import RequestKind, Responsibility, Role, Side
from models.on_behalf import FIELD
from models.queries import contact_state, living_contacts
from models.request import ChangeRequest, RequestPublic
from models.roles import roles_not_allowed
from settings import Settings

pages = APIRouter()


def _labels(rows: list[ContactRow], new_rows: list[ContactRow]) -> dict[str, str]:
    """Each field's label, as the page shows it and the problems' summary names it."""
    labels: dict[str, str] = {}
    for row in rows:
        for name in DETAIL_FIELDS:
            labels[f"{row.key}.{name}"] = f"{DETAIL_LABELS[name]} for {row.name}"
        labels[f"{row.key}.roles"] = f"Roles of {row.name}"
        labels[f"{row.key}.delete"] = f"Delete {row.name}"
    for row in new_rows:
        numbered = "New contact" if row.number == 1 else f"New contact {row.number}"
        for name in DETAIL_FIELDS:
            labels[f"{row.key}.{name}"] = f"{numbered} {DETAIL_LABELS[name].lower()}"
        labels[f"{row.key}.roles"] = (
            "Roles for the new contact"
            if row.number == 1
            else f"Roles for new contact {row.number}"
        )
        labels[f"{row.key}.side"] = f"{numbered} organisation"
    for name in APPROVER_FIELDS:
        labels[f"approver.{name}"] = f"Purchaser approver {name}"
    return labels


def _columns(settings: Settings, purchaser: Responsibility | None) -> list[Role]:
    """The roles some contact may hold, in the form's columns: the required first."""
    required = list(settings.required_roles)
    return [
        role
        for role in required + [role for role in Role if role not in required]
        if not roles_not_allowed(Side.CUSTOMER, frozenset({role}), purchaser)
        or (purchaser and not roles_not_allowed(Side.PURCHASER, frozenset({role}), purchaser))
    ]


def _allowed(columns: list[Role], purchaser: Responsibility | None) -> dict[Side, list[Role]]:
    """The columns in which each side's contacts get a box: the roles their side may hold."""
    return {
        side: [
            role for role in columns if not roles_not_allowed(side, frozenset({role}), purchaser)
        ]
        for side in Side
    }


async def _page(
    request: Request,
    person: SignedIn,
    session: SessionDep,
    settings: Settings,
    rows: list[ContactRow] | None = None,
    new_rows: list[ContactRow] | None = None,
    approver: dict[str, str] | None = None,
    errors: FormErrors | None = None,
    status_code: int = 200,
    acting_for: uuid.UUID | None = None,
    reason: str = "",
) -> HTMLResponse:
    customer_id = customer_of(person, acting_for)
    view = await customers.customer_view(session, person.principal, customer_id)
    acting = Acting(customer_id, view.legal.name) if acting_for else None
    contacts = await customers.contacts_view(session, person.principal, customer_id)
    pending = await request_views.open_of_kind(session, view, RequestKind.CONTACT_CHANGE)
    manages = may_file(person.principal, customer_id) and pending is None
    rows = rows if rows is not None else [contact_rows.current_row(c) for c in _ordered(contacts)]
    new_rows = new_rows if new_rows is not None else [contact_rows.new_row(1)]
    responsibility = view.purchaser.responsibility if view.purchaser else None
    columns = _columns(settings, responsibility)
    allowed = _allowed(columns, responsibility)
    return render(
        request,
        "contacts.html",
        person,
        f"Contacts of {view.legal.name}" if acting else "Contacts",
        status_code=status_code,
        view=view,
        acting=acting,
        contacts=contacts,
        pending=pending,
        manages=manages,
        rows=rows,
        new_rows=new_rows,
        new_rows_field=NEW_ROWS,
        roles=columns,
        allowed=allowed,
        purchaser_roles=allowed[Side.PURCHASER],
        required=frozenset(settings.required_roles),
        detail_fields=DETAIL_FIELDS,
        # A change to the purchaser's side is approved by its contact holding the Purchaser
        # role; with none, the form names the approver.
        purchasers_approver=purchasers_approver([_state(c) for c in contacts]),
        labels=_labels(rows, new_rows),
        values={
            f"{row.key}.{name}": value
            for row in rows + new_rows
            for name, value in row.details.items()
        }
        | {f"approver.{name}": value for name, value in (approver or {}).items()}
        | {FIELD: reason},
        errors=errors or FormErrors(labels=_labels(rows, new_rows)),
    )


@pages.get("/portal/contacts", response_class=HTMLResponse)
@pages.get("/portal/customers/{customer_id}/contacts", response_class=HTMLResponse)
async def contacts(
    request: Request,
    person: SignedInDep,
    session: SessionDep,
    settings: SettingsDep,
    customer_id: uuid.UUID | None = None,
) -> HTMLResponse:
    """The contacts of the person's own customer, by the same service as the API's: the
    Contacts Manager for those who may file, while no contact change is open; with
    ``customer_id``, the service team acting for that customer."""
    return await _page(request, person, session, settings, acting_for=customer_id)


@pages.post("/portal/contacts", response_class=HTMLResponse)
@pages.post("/portal/customers/{customer_id}/contacts", response_class=HTMLResponse)
async def request_contact_change(
    sent: PostedForm, customer_id: uuid.UUID | None = None
) -> Response:
    """Add contact (the form again, one row more) or Request changes: the batch is the
    difference between the form and the contacts, filed by the same service as the API's."""
    request, person, session, temporal, settings = sent
    acting_for = customer_id
    customer_id = customer_of(person, acting_for)
    if not may_file(person.principal, customer_id):
        raise Forbidden("only the customer's Management or Cust Admin may request changes")
    posted = {name: str(value) for name, value in (await request.form()).items()}
    current = _ordered(await customers.contacts_view(session, person.principal, customer_id))
    view = await customers.customer_view(session, person.principal, customer_id)
    responsibility = view.purchaser.responsibility if view.purchaser else None
    allowed = _allowed(_columns(settings, responsibility), responsibility)
    rows, new_rows = contact_rows.read_rows(posted, current, lambda side: allowed[side])
    approver = contact_rows.approver(posted) if view.purchaser else None
    reason = team.reason(posted)
    if "add_row" in posted:
        new_rows.append(contact_rows.new_row(len(new_rows) + 1))
        return await _page(
            request,
            person,
            session,
            settings,
            rows,
            new_rows,
            approver,
            acting_for=acting_for,
            reason=reason,
        )
    changes, origins = contact_rows.batch(current, rows, new_rows)
    errors = FormErrors(
        labels=_labels(rows, new_rows) | team.LABELS,
        where=lambda loc, role: (
            [FIELD]
            if tuple(loc)[-1:] == (FIELD,)
            else [name for name in [contact_rows.field_of(loc, origins, role)] if name is not None]
        ),
    )
    status_code = 422
    if not changes:
        errors.general.append("Nothing to change: change a contact, its roles, or add one.")
    else:
        body: dict[str, Any] = {"changes": changes}
        if approver is not None:
            body["approver"] = approver
        team.with_reason(body, reason, Acting(customer_id, "") if acting_for else None)
        filing = Filing(session, temporal, settings, person.principal)
        outcome = await file_form(filing, customer_id, RequestKind.CONTACT_CHANGE, body, errors)
        if outcome.filed is not None:
            return redirect(f"/portal/requests/{outcome.filed.id}", "filed")
        status_code = outcome.status_code
    return await _page(
        request,
        person,
        session,
        settings,
        rows,
        new_rows,
        approver,
        errors,
        status_code,
        acting_for,
        reason,
    )


def _state(contact: ContactPublic) -> ContactState:
    details = {name: getattr(contact, name) for name in DETAIL_FIELDS}
    return ContactState(contact.id, contact.side, details, frozenset(contact.roles))


def _ordered(contacts: Collection[ContactPublic]) -> list[ContactPublic]:
    """The customer's own contacts first, then the purchaser's."""
    return sorted(contacts, key=lambda contact: contact.side is Side.PURCHASER)


async def details(session: AsyncSession, request: ChangeRequest) -> Details:
    """Contacts and roles now; the batch asked for and, while it is open, the contacts as they
    will be, each marked unchanged, updated, added or removed."""
    contacts = await living_contacts(session, request.customer_id)
    current = [contact_state(contact) for contact in contacts]
    existing = {"contacts": [contact_row(state) for state in current]}
    if request.requested is None:
        return existing, None
    requested: dict[str, Any] = {"changes": request.requested["changes"]}
    if request.requested.get("approver"):
        requested["approver"] = request.requested["approver"]
    if request.status.is_open:
        batch = stored_batch(request.requested)
        requested["contacts"] = [contact_row(state) for state in project(current, batch)]
    return existing, requested


filing = filing_router(RequestKind.CONTACT_CHANGE)


@filing.post(
    "/{customer_id}/contact-change-requests",
    name="request_contact_change",
    status_code=status.HTTP_201_CREATED,
    responses=FILING,
    openapi_extra=KEYED,
)
async def file_contact_change(
    customer_id: uuid.UUID, form: ContactChangeCreate, response: Response, filing: FilingDep
) -> RequestPublic:
    """Request a batch of contact and role changes (Management, Cust Admin)."""
    request = await filed(filing, customer_id, RequestKind.CONTACT_CHANGE, form, response)
    return await present(filing.session, request)


API = KindApi(details=details, filing=filing, pages=pages)
