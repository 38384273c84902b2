"""Following a request, and the decisions on it: implement, decline, cancel."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import AfterValidator

from api.deps import CurrentUser, SessionDep, TemporalDep
from api.errors import after_the_decision, error_responses
from api.portal.render import opened_in_browser
from api.services import decisions, request_lists, request_views
from api.services.request_views import present
from models.common import refuse_nul
from models.enums import RequestKind
from models.request import DeclineBody, RequestListItem, RequestPublic

router = APIRouter(
    prefix="/requests", tags=["requests"], responses=error_responses(401, 404, 429, 503)
)
DECIDING: dict[int | str, dict[str, Any]] = {
    202: {"model": RequestPublic, "description": "Accepted, still applying"},
    **error_responses(403, 409),
}


@router.get("")
async def list_requests(
    user: CurrentUser,
    session: SessionDep,
    customer_id: uuid.UUID | None = None,
    kind: RequestKind | None = None,
    status: Annotated[
        request_lists.StatusFilter | None,
        Query(description="A status, or `open` for both open ones"),
    ] = None,
    ticket: Annotated[str | None, Query(max_length=32), AfterValidator(refuse_nul)] = None,
) -> list[RequestListItem]:
    """The requests the caller may see, newest first, at most 200 (staff see all)."""
    filters = request_lists.RequestFilters(kind, customer_id, status, ticket)
    return (await request_lists.list_requests(session, user, filters)).items


@router.get(
    "/{request_id}",
    dependencies=[Depends(opened_in_browser("/portal/requests/{request_id}"))],
    responses={303: {"description": "A browser without a token: to the request's page"}},
)
async def get_request(
    request_id: uuid.UUID, user: CurrentUser, session: SessionDep
) -> RequestPublic:
    """The request with its existing and requested values side by side."""
    return await present(session, await request_views.load_visible(session, user, request_id))


async def _decide(
    response: Response,
    request_id: uuid.UUID,
    user: CurrentUser,
    session: SessionDep,
    temporal: TemporalDep,
    action: decisions.Action,
    reason: str | None = None,
) -> RequestPublic:
    request, settled = await decisions.decide(session, temporal, user, request_id, action, reason)
    if not settled:
        response.status_code = status.HTTP_202_ACCEPTED
    with after_the_decision():
        return await present(session, request)


@router.post("/{request_id}/cancel", responses=DECIDING)
async def cancel_request(
    request_id: uuid.UUID,
    response: Response,
    user: CurrentUser,
    session: SessionDep,
    temporal: TemporalDep,
) -> RequestPublic:
    """Cancel an open request (the requester, Management or Cust Admin)."""
    return await _decide(response, request_id, user, session, temporal, decisions.Action.CANCEL)


@router.post("/{request_id}/implement", responses=DECIDING)
async def implement_request(
    request_id: uuid.UUID,
    response: Response,
    user: CurrentUser,
    session: SessionDep,
    temporal: TemporalDep,
) -> RequestPublic:
    """Confirm and apply the change (service team)."""
    return await _decide(response, request_id, user, session, temporal, decisions.Action.IMPLEMENT)


@router.post("/{request_id}/decline", responses={**DECIDING, **error_responses(400, 413)})
async def decline_request(
    request_id: uuid.UUID,
    body: DeclineBody,
    response: Response,
    user: CurrentUser,
    session: SessionDep,
    temporal: TemporalDep,
) -> RequestPublic:
    """Decline the request with a reason, which the requester is sent (service team)."""
    return await _decide(
        response, request_id, user, session, temporal, decisions.Action.DECLINE, body.reason
    )
