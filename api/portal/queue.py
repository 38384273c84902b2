"""The service team's queue: open requests, oldest first, by kind, customer and status; and
finding a request by its ticket number."""

import uuid
from enum import StrEnum
from typing import TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import SessionDep
from api.errors import NotFound
from api.portal.auth import SignedInDep
from api.portal.render import redirect, render
from api.services import request_lists
from api.services.request_lists import OPEN, RequestFilters, StatusFilter
from models.access import may_decide
from models.enums import RequestKind, RequestStatus

router = APIRouter()

STATUSES: dict[str, str] = {
    OPEN: "Open (waiting for approval or for the service team)",
    RequestStatus.AWAITING_APPROVAL: "Waiting for approval",
    RequestStatus.IN_REVIEW: "Waiting for the service team",
    RequestStatus.IMPLEMENTED: "Implemented",
    RequestStatus.DECLINED: "Declined",
    RequestStatus.CANCELLED: "Cancelled",
    RequestStatus.REJECTED: "Rejected",
    RequestStatus.EXPIRED: "Expired",
    "": "Any status",
}
KINDS = {kind.value: kind.label.capitalize() for kind in RequestKind}
E = TypeVar("E", bound=StrEnum)


def _choice(enum: type[E], value: str) -> E | None:
    """A filter's value; one that names nothing is no filter (a page never answers 422 to
    a link that was edited by hand)."""
    try:
        return enum(value)
    except ValueError:
        return None


def _customer(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _status(value: str) -> StatusFilter | None:
    return OPEN if value == OPEN else _choice(RequestStatus, value)


@router.get("/portal/queue", response_class=HTMLResponse)
async def queue(request: Request, person: SignedInDep, session: SessionDep) -> Response:
    if not may_decide(person.principal):
        raise NotFound("this page is for the service team")
    query = request.query_params
    ticket = query.get("ticket", "").strip()[:32]
    not_found = None
    if ticket:
        found = await request_lists.find_by_ticket(session, person.principal, ticket)
        if found is not None:
            return redirect(f"/portal/requests/{found.id}")
        not_found = request_lists.ticket_key(ticket)
    status_value = query.get("status", OPEN)
    filters = RequestFilters(
        kind=_choice(RequestKind, query.get("kind", "")),
        customer_id=_customer(query.get("customer_id", "")),
        status=_status(status_value),
    )
    listing = await request_lists.list_requests(
        session, person.principal, filters, oldest_first=True
    )
    return render(
        request,
        "queue.html",
        person,
        "Queue",
        listing=listing,
        filters=filters,
        chosen_status=status_value if filters.status is not None else "",
        statuses=STATUSES,
        kinds=KINDS,
        customers=await request_lists.customer_choices(session, person.principal),
        ticket=ticket,
        not_found=not_found,
    )
