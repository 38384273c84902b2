"""A customer's profile, its contacts, and the requests filed against them."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.deps import CurrentUser, SessionDep
from api.errors import error_responses
from api.services import audit, customer_directory, customers
from models.audit import AuditEventPublic
from models.contact import ContactPublic
from models.customer import CustomerListItem, CustomerPublic

router = APIRouter(
    prefix="/customers", tags=["customers"], responses=error_responses(401, 404, 429, 503)
)


@router.get("", responses=error_responses(403))
async def list_customers(
    user: CurrentUser,
    session: SessionDep,
    q: Annotated[
        str | None, Query(max_length=customer_directory.QUERY_MAX, description="search")
    ] = None,
) -> list[CustomerListItem]:
    """The service team's directory: every customer, or those whose legal name contains `q`
    (any case), which have the ticket `q`, or one of whose contacts has the email `q`."""
    return await customer_directory.search_customers(session, user, q)


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
