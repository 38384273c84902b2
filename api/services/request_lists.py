"""Lists of the requests a caller may see: the service team's queue, a customer's requests,
and the JSON list; filtered by kind, customer, status and ticket."""

import uuid
from dataclasses import dataclass
from typing import Literal

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.identity import Principal
from models.access import sees_requests
from models.customer import Customer
from models.enums import OPEN_STATUSES, RequestKind, RequestStatus
from models.request import ChangeRequest, RequestListItem

# A list shows at most this many; a longer one says it shows the first of them.
LIMIT = 200
OPEN: Literal["open"] = "open"
StatusFilter = RequestStatus | Literal["open"]


@dataclass(frozen=True)
class RequestFilters:
    kind: RequestKind | None = None
    customer_id: uuid.UUID | None = None
    # A status, or "open" for both open ones.
    status: StatusFilter | None = None
    ticket: str | None = None


@dataclass(frozen=True)
class RequestListing:
    items: list[RequestListItem]
    # More matched than ``limit``: the items are the first ``limit`` of them.
    truncated: bool
    limit: int


@dataclass(frozen=True)
class CustomerChoice:
    id: uuid.UUID
    name: str


def ticket_key(number: str) -> str:
    """A ticket number as typed (" so-00042 ") as it is stored ("SO-00042")."""
    return number.strip().upper()


async def list_requests(
    session: AsyncSession,
    principal: Principal,
    filters: RequestFilters | None = None,
    oldest_first: bool = False,
    limit: int = LIMIT,
) -> RequestListing:
    """The requests ``principal`` may see (``models.access.sees_requests``) that match
    ``filters``, newest first unless ``oldest_first``."""
    filters = filters or RequestFilters()
    query = select(ChangeRequest, Customer.legal_name).join(
        Customer,
        col(Customer.id) == col(ChangeRequest.customer_id),
    )
    if not principal.is_staff:
        own = principal.customer_id
        if own is None or not sees_requests(principal, own):
            return RequestListing([], False, limit)
        query = query.where(col(ChangeRequest.customer_id) == own)
    if filters.kind is not None:
        query = query.where(col(ChangeRequest.kind) == filters.kind)
    if filters.customer_id is not None:
        query = query.where(col(ChangeRequest.customer_id) == filters.customer_id)
    if filters.status == OPEN:
        query = query.where(col(ChangeRequest.status).in_(OPEN_STATUSES))
    elif filters.status is not None:
        query = query.where(col(ChangeRequest.status) == filters.status)
    if filters.ticket is not None:
        query = query.where(col(ChangeRequest.ticket_number) == ticket_key(filters.ticket))
    created = col(ChangeRequest.created_at)
    order = (created.asc(), col(ChangeRequest.id).asc())
    if not oldest_first:
        order = (created.desc(), col(ChangeRequest.id).desc())
    rows = list(await session.exec(query.order_by(*order).limit(limit + 1)))
    items = [
        RequestListItem(
            id=request.id,
            kind=request.kind,
            status=request.status,
            customer_id=request.customer_id,
            customer_name=name,
            ticket_number=request.ticket_number,
            created_at=request.created_at,
            updated_at=request.updated_at,
        )
        for request, name in rows[:limit]
    ]
    return RequestListing(items, len(rows) > limit, limit)


async def find_by_ticket(
    session: AsyncSession, principal: Principal, number: str
) -> RequestListItem | None:
    """The request whose ticket is ``number``, if the caller may see it."""
    found = await list_requests(session, principal, RequestFilters(ticket=number), limit=1)
    return found.items[0] if found.items else None


async def customer_choices(session: AsyncSession, principal: Principal) -> list[CustomerChoice]:
    """The customers whose requests the caller may see, by name: every one for staff."""
    query = select(Customer.id, Customer.legal_name).order_by(col(Customer.legal_name))
    if not principal.is_staff:
        own = principal.customer_id
        if own is None or not sees_requests(principal, own):
            return []
        query = query.where(col(Customer.id) == own)
    return [CustomerChoice(id_, name) for id_, name in await session.exec(query)]
