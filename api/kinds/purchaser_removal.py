"""Portal pages: requesting a purchaser's removal, its required roles given back to the
customer's own contacts."""

import uuid
from dataclasses import dataclass, replace
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import FilingDep, SessionDep, SettingsDep
from api.errors import Conflict
from api.idempotency import KEYED
from api.identity import require_requester
from api.kinds import (
    FILING,
    Details,
    KindApi,
    contact_row,
    filed,
    filing_router,
    purchaser_and_contacts,
)
from api.portal import acting as team
from api.portal.acting import Acting, customer_of
from api.portal.auth import PostedForm, SignedInDep
from api.portal.form_filing import file_form
from api.portal.forms import FormErrors, Placement, nearest, nested
from api.portal.render import redirect, render
from api.services import customers
from api.services.filing import Filing
from api.services.portal_sessions import SignedIn
from api.services.request_views import present
from models.contact import ContactPublic
from models.customer import CustomerPublic
from models.enums import RequestKind, Role, Side
from models.ids import ascii_uuid
from models.kinds import KINDS
from models.on_behalf import FIELD
from models.problems import Loc
from models.purchaser_removal import (
    PurchaserRemoval,
    PurchaserRemovalCreate,
    roles_after_removal,
    roles_to_hand_back,
)
from models.request import ChangeRequest, RequestPublic
from settings import Settings

pages = APIRouter()

PATH = "/portal/purchaser/removal"
# The same form, the service team acting for the customer.
ACTING_PATH = "/portal/customers/{customer_id}/purchaser/removal"
APPROVER = {"approver.name": "Customer approver name", "approver.email": "Customer approver email"}


def holder_field(role: Role) -> str:
    return f"holder.{role.value}"


@dataclass(frozen=True)
class RemovalPage:
    """What the form is about: the customer, its purchaser, the roles to give back and the
    customer's own contacts who may take them."""

    customer_id: uuid.UUID
    view: CustomerPublic
    roles: list[Role]
    candidates: list[ContactPublic]
    acting: Acting | None = None

    @property
    def labels(self) -> dict[str, str]:
        holders = {holder_field(role): f"New holder of {role.label}" for role in self.roles}
        return holders | APPROVER | (team.LABELS if self.acting else {})

    @property
    def known(self) -> frozenset[str]:
        return frozenset(self.labels) | {"approver"}


async def _scene(
    session: AsyncSession, person: SignedIn, settings: Settings, acting_for: uuid.UUID | None
) -> RemovalPage:
    """The form's facts, once the person may ask for it: 404 for someone who is no
    customer's contact, 403 for one who may not file, 409 without a purchaser."""
    customer_id = customer_of(person, acting_for)
    require_requester(person.principal, customer_id)
    view = await customers.customer_view(session, person.principal, customer_id)
    purchaser = view.purchaser.responsibility if view.purchaser else None
    conflict = KINDS[RequestKind.PURCHASER_REMOVAL].conflict(purchaser)
    if conflict is not None:
        raise Conflict(conflict)
    contacts = await customers.contacts_view(session, person.principal, customer_id)
    roles = roles_to_hand_back(((c.side, c.roles) for c in contacts), settings.required_roles)
    candidates = [c for c in contacts if c.side is Side.CUSTOMER]
    acting = Acting(customer_id, view.legal.name) if acting_for else None
    return RemovalPage(customer_id, view, roles, candidates, acting)


def _page(
    request: Request,
    person: SignedIn,
    scene: RemovalPage,
    values: dict[str, str] | None = None,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "purchaser_removal.html",
        person,
        f"Request purchaser removal for {scene.view.legal.name}"
        if scene.acting
        else "Request purchaser removal",
        status_code=status_code,
        view=scene.view,
        acting=scene.acting,
        holders=[(holder_field(role), scene.labels[holder_field(role)]) for role in scene.roles],
        candidates=scene.candidates,
        approver=APPROVER,
        values=values or {},
        errors=errors or FormErrors(labels=scene.labels),
    )


@pages.get(PATH, response_class=HTMLResponse)
@pages.get(ACTING_PATH, response_class=HTMLResponse)
async def removal_form(
    request: Request,
    person: SignedInDep,
    session: SessionDep,
    settings: SettingsDep,
    customer_id: uuid.UUID | None = None,
) -> HTMLResponse:
    scene = await _scene(session, person, settings, customer_id)
    return _page(request, person, scene)


def _assignments(
    scene: RemovalPage, values: dict[str, str], errors: FormErrors
) -> tuple[list[dict[str, Any]], list[list[str]]]:
    """The chosen holders as the schema's role assignments (one per contact, its roles
    grouped), and for each assignment the fields that chose it."""
    chosen: dict[str, list[Role]] = {}
    for role in scene.roles:
        name, value = holder_field(role), values[holder_field(role)]
        if not value:
            continue
        chosen_id = ascii_uuid(value)
        if chosen_id is None:
            label = scene.labels[name]
            errors.add(name, f"Choose the {label[:1].lower()}{label[1:]} from the list.")
            continue
        chosen.setdefault(str(chosen_id), []).append(role)
    assignments = [{"contact_id": cid, "roles": roles} for cid, roles in chosen.items()]
    fields = [[holder_field(role) for role in roles] for roles in chosen.values()]
    return assignments, fields


def _placement(scene: RemovalPage, fields: list[list[str]]) -> Placement:
    """Where a problem goes: an assignment's beside the selects that made it, a role left
    unheld beside its own, the others beside the field they name."""

    def where(loc: Loc, role: Role | None) -> list[str]:
        parts = [str(part) for part in loc]
        if parts[:1] == ["body"]:
            parts.pop(0)
        if parts[:1] != ["role_assignments"]:
            return nearest(loc, scene.known)
        if len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(fields):
            return fields[int(parts[1])]
        return [holder_field(held) for held in scene.roles if held is role]

    return where


@pages.post(PATH, response_class=HTMLResponse)
@pages.post(ACTING_PATH, response_class=HTMLResponse)
async def request_removal(sent: PostedForm, customer_id: uuid.UUID | None = None) -> Response:
    """Request purchaser removal: the form read as the API's schema, filed by the same
    service as ``POST /customers/{id}/purchaser-removal-requests`` or refused with every
    problem as it would be."""
    request, person, session, temporal, settings = sent
    scene = await _scene(session, person, settings, customer_id)
    posted = await request.form()
    values = {name: str(posted.get(name, "")).strip() for name in scene.labels}
    errors = FormErrors(labels=scene.labels, known=scene.known)
    assignments, fields = _assignments(scene, values, errors)
    errors.where = _placement(scene, fields)
    data: dict[str, Any] = nested({name: values[name] for name in APPROVER})
    data["role_assignments"] = assignments
    team.with_reason(data, values.get(FIELD, ""), scene.acting)
    outcome = await file_form(
        Filing(session, temporal, settings, person.principal),
        scene.customer_id,
        RequestKind.PURCHASER_REMOVAL,
        data,
        errors,
    )
    if outcome.filed is not None:
        return redirect(f"/portal/requests/{outcome.filed.id}", "filed")
    return _page(request, person, scene, values, errors, status_code=outcome.status_code)


async def details(session: AsyncSession, request: ChangeRequest) -> Details:
    """The purchaser and contacts now; the roles given back and, while open, every customer
    contact's roles once the purchaser and its contacts have gone."""
    existing, current = await purchaser_and_contacts(session, request)
    if request.requested is None:
        return existing, None
    requested = dict(request.requested)
    if request.status.is_open:
        form = PurchaserRemoval.model_validate(request.requested)
        requested["contacts"] = [
            contact_row(
                replace(
                    state, roles=roles, change="updated" if roles != state.roles else "unchanged"
                )
            )
            for state, roles in roles_after_removal(current, form)
        ] + [
            contact_row(replace(state, change="removed"))
            for state in current
            if state.side is Side.PURCHASER
        ]
    return existing, requested


filing = filing_router(RequestKind.PURCHASER_REMOVAL)


@filing.post(
    "/{customer_id}/purchaser-removal-requests",
    name="request_purchaser_removal",
    status_code=status.HTTP_201_CREATED,
    responses=FILING,
    openapi_extra=KEYED,
)
async def file_purchaser_removal(
    customer_id: uuid.UUID, form: PurchaserRemovalCreate, response: Response, filing: FilingDep
) -> RequestPublic:
    """Request the purchaser's removal, giving its required roles back (Management, Cust Admin)."""
    request = await filed(filing, customer_id, RequestKind.PURCHASER_REMOVAL, form, response)
    return await present(filing.session, request)


API = KindApi(details=details, filing=filing, pages=pages)
