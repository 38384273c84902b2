"""The customer's profile, and the form that requests a change to it."""

import uuid
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import FilingDep, SessionDep
from api.idempotency import KEYED
from api.kinds import (
    FILING,
    Details,
    KindApi,
    filed,
    filing_router,
)
from api.portal import acting as team
from api.portal.acting import Acting, customer_of
from api.portal.auth import PostedForm, SignedInDep
from api.portal.form_filing import file_form
from api.portal.forms import COUNTRIES, FormErrors, nested
from api.portal.render import redirect, render
from api.services import customers, request_views
from api.services.filing import Filing
from api.services.portal_sessions import SignedIn
from api.services.request_views import present
from models.access import may_file
from models.customer import Customer, CustomerProfile, CustomerPublic
from models.enums import RequestKind
from models.kinds import Offer, offers
from models.on_behalf import FIELD
from models.profile_change import ProfileChangeCreate
from models.request import ChangeRequest, RequestPublic

pages = APIRouter()

# The form's fields: the schema's locations, and the labels people and tests find them by.
FIELDS = {
    "legal.name": "Legal name",
    "legal.address.street": "Street",
    "legal.address.city": "City",
    "legal.address.postal_code": "Postal code",
    "legal.address.country": "Country",
    "payment.name": "Payment name",
    "payment.address.street": "Payment street",
    "payment.address.city": "Payment city",
    "payment.address.postal_code": "Payment postal code",
    "payment.address.country": "Payment country",
}
KNOWN = frozenset(FIELDS) | {"legal", "payment"}
SAME = "payment_same_as_legal"


def _values(profile: CustomerProfile) -> dict[str, str]:
    flat: dict[str, str] = {}
    for side in ("legal", "payment"):
        named = getattr(profile, side)
        flat[f"{side}.name"] = named.name
        for part, value in named.address.model_dump().items():
            flat[f"{side}.address.{part}"] = str(value)
    return flat


async def _page(
    request: Request,
    person: SignedIn,
    session: SessionDep,
    values: dict[str, str] | None = None,
    same: bool | None = None,
    errors: FormErrors | None = None,
    status_code: int = 200,
    acting_for: uuid.UUID | None = None,
) -> HTMLResponse:
    customer_id = customer_of(person, acting_for)
    view: CustomerPublic = await customers.customer_view(session, person.principal, customer_id)
    acting = Acting(customer_id, view.legal.name) if acting_for else None
    current = CustomerProfile(legal=view.legal, payment=view.payment)
    pending = await request_views.open_of_kind(session, view, RequestKind.PROFILE_CHANGE)
    offered = offers(view.purchaser.responsibility if view.purchaser else None)
    return render(
        request,
        "profile.html",
        person,
        f"Profile of {view.legal.name}" if acting else "Profile",
        status_code=status_code,
        view=view,
        pending=pending,
        may_file=may_file(person.principal, customer_id) and pending is None,
        offers=[
            Offer(acting.page(offer.page) if acting else offer.page, offer.button)
            for offer in offered
        ]
        if may_file(person.principal, customer_id)
        else [],
        acting=acting,
        fields=FIELDS,
        values=values or _values(current),
        same=(current.payment == current.legal) if same is None else same,
        same_field=SAME,
        errors=errors or FormErrors(),
        countries=COUNTRIES,
    )


@pages.get("/portal/profile", response_class=HTMLResponse)
@pages.get("/portal/customers/{customer_id}/profile", response_class=HTMLResponse)
async def profile(
    request: Request, person: SignedInDep, session: SessionDep, customer_id: uuid.UUID | None = None
) -> HTMLResponse:
    """The person's own customer's profile; with ``customer_id``, the service team acting
    for that customer."""
    return await _page(request, person, session, acting_for=customer_id)


@pages.post("/portal/profile", response_class=HTMLResponse)
@pages.post("/portal/customers/{customer_id}/profile", response_class=HTMLResponse)
async def request_profile_change(
    sent: PostedForm, customer_id: uuid.UUID | None = None
) -> Response:
    """Request changes: the form read as the API's schema, filed by the same service."""
    request, person, session, temporal, settings = sent
    for_customer = customer_of(person, customer_id)
    posted = await request.form()
    values = {name: str(posted.get(name, "")).strip() for name in FIELDS}
    values[FIELD] = team.reason(posted)
    same = posted.get(SAME) is not None
    data: dict[str, Any] = nested({name: values[name] for name in FIELDS})
    if same:
        data["payment"] = None
    acting = Acting(for_customer, "") if customer_id else None
    team.with_reason(data, values[FIELD], acting)
    errors = FormErrors(labels=FIELDS | team.LABELS, known=KNOWN | {FIELD})
    filing = Filing(session, temporal, settings, person.principal)
    outcome = await file_form(filing, for_customer, RequestKind.PROFILE_CHANGE, data, errors)
    if outcome.filed is not None:
        return redirect(f"/portal/requests/{outcome.filed.id}", "filed")
    return await _page(
        request, person, session, values, same, errors, outcome.status_code, customer_id
    )


async def details(session: AsyncSession, request: ChangeRequest) -> Details:
    """The profile now (or, once implemented, the details it replaced) and as asked."""
    customer = await session.get(Customer, request.customer_id)
    existing = customer.profile().model_dump(mode="json") if customer else None
    if request.outcome and "previous" in request.outcome:
        existing = request.outcome["previous"]
    requested = (
        ProfileChangeCreate.model_validate(request.requested).effective().model_dump(mode="json")
        if request.requested is not None
        else None
    )
    return existing, requested


filing = filing_router(RequestKind.PROFILE_CHANGE)


@filing.post(
    "/{customer_id}/profile-change-requests",
    name="request_profile_change",
    status_code=status.HTTP_201_CREATED,
    responses=FILING,
    openapi_extra=KEYED,
)
async def file_profile_change(
    customer_id: uuid.UUID, form: ProfileChangeCreate, response: Response, filing: FilingDep
) -> RequestPublic:
    """Request a change of legal and/or payment name and address (Management, Cust Admin)."""
    request = await filed(filing, customer_id, RequestKind.PROFILE_CHANGE, form, response)
    return await present(filing.session, request)


API = KindApi(details=details, filing=filing, pages=pages)
