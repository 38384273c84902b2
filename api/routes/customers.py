"""A customer's profile, its contacts, and the requests filed against them."""

import uuid

from fastapi import APIRouter, Request, Response, status
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import CurrentUser, FilingDep, SessionDep
from api.errors import error_responses
from api.idempotency import KEYED
from api.services import (
    audit,
    contact_changes,
    customers,
    purchaser_additions,
    purchaser_removals,
)
from api.services.request_views import present
from models.audit import AuditEventPublic
from models.contact import ContactPublic
from models.contact_change import ContactChangeCreate
from models.customer import CustomerPublic
from models.profile_change import ProfileChangeCreate
from models.purchaser_addition import PurchaserAdditionCreate
from models.purchaser_removal import PurchaserRemovalCreate
from models.request import ChangeRequest, RequestPublic

router = APIRouter(
    prefix="/customers", tags=["customers"], responses=error_responses(401, 404, 429, 503)
)
# Filing a request: refused by role, by an open request of its kind, or for its body.
FILING = error_responses(400, 403, 409, 413)


@router.get("/{customer_id}")
async def get_customer(
    customer_id: uuid.UUID, user: CurrentUser, session: SessionDep
) -> CustomerPublic:
    """The customer's legal and payment details, its purchaser and its open requests."""
    return await customers.customer_view(session, user, customer_id)


@router.get("/{customer_id}/contacts")
async def list_contacts(
    customer_id: uuid.UUID, user: CurrentUser, session: SessionDep
) -> list[ContactPublic]:
    """The customer's contacts with their side and roles."""
    return await customers.contacts_view(session, user, customer_id)


@router.get(
    "/{customer_id}/audit",
    response_model=list[AuditEventPublic],
    responses={
        200: {"content": {"text/csv": {}}, "description": "JSON, or CSV when asked"},
        **error_responses(403),
    },
)
async def get_audit(
    customer_id: uuid.UUID, request: Request, user: CurrentUser, session: SessionDep
) -> list[AuditEventPublic] | Response:
    """Every recorded change on the customer's requests: who (an id or a side), when, what.

    The service team and the customer's Management; CSV with `Accept: text/csv`.
    """
    events = await audit.audit_trail(session, user, customer_id)
    if "text/csv" in request.headers.get("accept", ""):
        return Response(
            audit.as_csv(events),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="audit-{customer_id}.csv"'},
        )
    return events


@router.post(
    "/{customer_id}/profile-change-requests",
    status_code=status.HTTP_201_CREATED,
    responses=FILING,
    openapi_extra=KEYED,
)
async def request_profile_change(
    customer_id: uuid.UUID,
    change: ProfileChangeCreate,
    response: Response,
    filing: FilingDep,
) -> RequestPublic:
    """Request a change of legal and/or payment name and address (Management, Cust Admin)."""
    request = await customers.request_profile_change(filing, customer_id, change)
    return await _created(response, filing.session, request)


@router.post(
    "/{customer_id}/contact-change-requests",
    status_code=status.HTTP_201_CREATED,
    responses=FILING,
    openapi_extra=KEYED,
)
async def request_contact_change(
    customer_id: uuid.UUID,
    batch: ContactChangeCreate,
    response: Response,
    filing: FilingDep,
) -> RequestPublic:
    """Request a batch of contact and role changes (Management, Cust Admin)."""
    request = await contact_changes.request_contact_change(filing, customer_id, batch)
    return await _created(response, filing.session, request)


@router.post(
    "/{customer_id}/purchaser-addition-requests",
    status_code=status.HTTP_201_CREATED,
    responses=FILING,
    openapi_extra=KEYED,
)
async def request_purchaser_addition(
    customer_id: uuid.UUID,
    form: PurchaserAdditionCreate,
    response: Response,
    filing: FilingDep,
) -> RequestPublic:
    """Request a purchaser organisation, approved at both organisations (Management, Cust Admin)."""
    request = await purchaser_additions.request_purchaser_addition(filing, customer_id, form)
    return await _created(response, filing.session, request)


@router.post(
    "/{customer_id}/purchaser-removal-requests",
    status_code=status.HTTP_201_CREATED,
    responses=FILING,
    openapi_extra=KEYED,
)
async def request_purchaser_removal(
    customer_id: uuid.UUID,
    form: PurchaserRemovalCreate,
    response: Response,
    filing: FilingDep,
) -> RequestPublic:
    """Request the purchaser's removal, giving its required roles back (Management, Cust Admin)."""
    request = await purchaser_removals.request_purchaser_removal(filing, customer_id, form)
    return await _created(response, filing.session, request)


async def _created(
    response: Response, session: AsyncSession, request: ChangeRequest
) -> RequestPublic:
    response.headers["Location"] = f"/requests/{request.id}"
    return await present(session, request)
