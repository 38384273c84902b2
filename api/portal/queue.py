"""The service team's queue: open requests, oldest first, by kind, customer and status, a
page of them at a time; and finding a request by its ticket number."""

import math
import uuid
from enum import StrEnum
from typing import TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import SessionDep
from api.errors import NotFound
from api.portal.auth import SignedInDep
from api.portal.forms import KIND_CHOICES
from api.portal.render import redirect, render
from api.portal.tickets import OWNER_CHOICES
from api.services import request_lists
from api.services.request_lists import CUSTOMER_NAME_MAX, OPEN, RequestFilters, StatusFilter
from api.services.ticket_desk import Ownership
from models.access import may_decide
from models.customer import Customer
from models.enums import RequestKind, RequestStatus
from models.ids import ascii_number, ascii_uuid
from models.types import utcnow

router = APIRouter()

# The queue shows this many requests a page, the oldest first; the rest on the next pages.
PAGE_SIZE = 50

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
E = TypeVar("E", bound=StrEnum)


def _choice(enum: type[E], value: str) -> E | None:
    """A filter's value; one that names nothing is no filter (a page never answers 422 to
    a link that was edited by hand)."""
    try:
        return enum(value)
    except ValueError:
        return None


def _customer(value: str) -> uuid.UUID | None:
    return ascii_uuid(value)


def _status(value: str) -> StatusFilter | None:
    return OPEN if value == OPEN else _choice(RequestStatus, value)


def _page_number(value: str) -> int:
    """The page asked for; anything but a page number is the first page."""
    return ascii_number(value, 6) or 1


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
    customer_id = _customer(query.get("customer_id", ""))
    typed_name = query.get("customer", "").strip()[:CUSTOMER_NAME_MAX]
    customer_name = typed_name
    if customer_id is not None and not typed_name:
        # A link naming the customer (its id) shows its name in the field.
        chosen = await session.get(Customer, customer_id)
        customer_name = chosen.legal_name if chosen is not None else ""
    filters = RequestFilters(
        kind=_choice(RequestKind, query.get("kind", "")),
        customer_id=customer_id,
        status=_status(status_value),
        customer_name=typed_name or None,
        owner=_choice(Ownership, query.get("owner", "")),
        owner_id=person.principal.user_id,
        breached=bool(query.get("breached")),
    )
    soonest_due = query.get("sort") == "due"
    total = await request_lists.count_requests(session, person.principal, filters)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(_page_number(query.get("page", "")), pages)
    listing = await request_lists.list_requests(
        session,
        person.principal,
        filters,
        oldest_first=True,
        soonest_due=soonest_due,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    chosen_status = status_value if filters.status is not None else ""
    # The other pages keep the filters (the status even when it is "any": none means open).
    shown = {
        "kind": filters.kind or "",
        "customer_id": customer_id or "",
        "customer": typed_name,
        "owner": filters.owner or "",
        "breached": "yes" if filters.breached else "",
        "sort": "due" if soonest_due else "",
    }
    kept = {name: str(value) for name, value in shown.items() if value}
    kept["status"] = chosen_status

    def page_link(number: int) -> str:
        return "/portal/queue?" + urlencode({**kept, "page": number})

    return render(
        request,
        "queue.html",
        person,
        "Queue",
        listing=listing,
        total=total,
        page=page,
        pages=pages,
        previous_page=page_link(page - 1) if page > 1 else None,
        next_page=page_link(page + 1) if page < pages else None,
        filters=filters,
        customer_name=customer_name,
        chosen_status=chosen_status,
        statuses=STATUSES,
        kinds=KIND_CHOICES,
        ticket=ticket,
        not_found=not_found,
        owners=OWNER_CHOICES,
        sorts={"": "Oldest first", "due": "Due soonest"},
        sort="due" if soonest_due else "",
        now=utcnow(),
    )
