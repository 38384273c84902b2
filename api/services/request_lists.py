"""Lists of the requests a caller may see: the service team's queue, a customer's requests,
and the JSON list; filtered by kind, customer, status and ticket."""

import uuid
from dataclasses import asdict, dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, UnaryExpression, false, func
from sqlalchemy.orm import load_only
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.identity import Principal
from api.services.ticket_desk import Ownership, breached_now, due_order, owners
from models.access import sees_requests
from models.customer import Customer
from models.enums import OPEN_STATUSES, RequestKind, RequestStatus
from models.request import ChangeRequest, RequestListItem
from models.sla import targets_of
from models.ticket import TargetPublic, Ticket
from models.types import utcnow

# A list shows at most this many; a longer one says it shows the first of them.
LIMIT = 200
# Longer than any legal name: a search for more finds nothing.
CUSTOMER_NAME_MAX = 200
OPEN: Literal["open"] = "open"
# What a list shows of a request: never its form or outcome, which can be long.
_LISTED = ("id", "kind", "status", "customer_id", "ticket_number", "created_at", "updated_at")
StatusFilter = RequestStatus | Literal["open"]


@dataclass(frozen=True)
class RequestFilters:
    kind: RequestKind | None = None
    customer_id: uuid.UUID | None = None
    # A status, or "open" for both open ones.
    status: StatusFilter | None = None
    ticket: str | None = None
    # Part of a customer's legal name, in any case.
    customer_name: str | None = None
    # The service desk's: whose ticket, and only those that missed or are missing a target.
    owner: Ownership | None = None
    owner_id: uuid.UUID | None = None
    breached: bool = False


@dataclass(frozen=True)
class RequestListing:
    items: list[RequestListItem]
    # More matched than ``limit`` after ``offset``: the items are ``limit`` of them.
    truncated: bool
    limit: int
    offset: int = 0


def ticket_key(number: str) -> str:
    """A ticket number as typed (" so-00042 ") as it is stored ("SO-00042")."""
    return number.strip().upper()


def _matching(principal: Principal, filters: RequestFilters) -> list[ColumnElement[bool]] | None:
    """The conditions on a request ``principal`` may see that ``filters`` match; None when
    the caller sees no request at all."""
    conditions: list[ColumnElement[bool]] = []
    if not principal.is_staff:
        own = principal.customer_id
        if own is None or not sees_requests(principal, own):
            return None
        conditions.append(col(ChangeRequest.customer_id) == own)
    if filters.kind is not None:
        conditions.append(col(ChangeRequest.kind) == filters.kind)
    if filters.customer_id is not None:
        conditions.append(col(ChangeRequest.customer_id) == filters.customer_id)
    if filters.customer_name:
        conditions.append(_named(filters.customer_name))
    if filters.status == OPEN:
        conditions.append(col(ChangeRequest.status).in_(OPEN_STATUSES))
    elif filters.status is not None:
        conditions.append(col(ChangeRequest.status) == filters.status)
    if filters.ticket is not None:
        conditions.append(col(ChangeRequest.ticket_number) == ticket_key(filters.ticket))
    desk: list[ColumnElement[bool]] = []
    if filters.owner is Ownership.MINE:
        desk.append(col(Ticket.owner_id) == filters.owner_id)
    elif filters.owner is Ownership.UNASSIGNED:
        desk.append(col(Ticket.owner_id).is_(None))
    if filters.breached:
        desk.append(breached_now(utcnow()))
    if desk:
        tickets = select(Ticket.request_id).where(*desk)
        conditions.append(col(ChangeRequest.id).in_(tickets))
    return conditions


def _named(name: str) -> ColumnElement[bool]:
    """Requests of a customer whose legal name contains ``name``, in any case."""
    if len(name) > CUSTOMER_NAME_MAX:
        return false()
    customers = select(Customer.id).where(
        func.lower(col(Customer.legal_name)).contains(name.lower(), autoescape=True)
    )
    return col(ChangeRequest.customer_id).in_(customers)


async def list_requests(
    session: AsyncSession,
    principal: Principal,
    filters: RequestFilters | None = None,
    oldest_first: bool = False,
    limit: int = LIMIT,
    offset: int = 0,
    soonest_due: bool = False,
) -> RequestListing:
    """The requests ``principal`` may see (``models.access.sees_requests``) that match
    ``filters``, newest first unless ``oldest_first``: ``limit`` of them from ``offset``, in
    one query that reads no request's form."""
    conditions = _matching(principal, filters or RequestFilters())
    if conditions is None:
        return RequestListing([], False, limit, offset)
    created = col(ChangeRequest.created_at)
    order: tuple[UnaryExpression[Any], ...] = (created.asc(), col(ChangeRequest.id).asc())
    if not oldest_first:
        order = (created.desc(), col(ChangeRequest.id).desc())
    if soonest_due:
        order = (due_order().asc().nulls_last(), *order)
    # The page's ids first, from the index on status and age alone; then their rows.
    page = (
        select(ChangeRequest.id)
        .outerjoin(Ticket, col(Ticket.request_id) == col(ChangeRequest.id))
        .where(*conditions)
        .order_by(*order)
        .offset(offset)
        .limit(limit + 1)
    )
    query = (
        select(ChangeRequest, Customer.legal_name, Ticket)
        .options(load_only(*(getattr(ChangeRequest, name) for name in _LISTED)))
        .join(Customer, col(Customer.id) == col(ChangeRequest.customer_id))
        .outerjoin(Ticket, col(Ticket.request_id) == col(ChangeRequest.id))
        .where(col(ChangeRequest.id).in_(page))
        .order_by(*order)
    )
    rows = list(await session.exec(query))
    named = await owners(session, [ticket for _, _, ticket in rows if ticket is not None])
    now = utcnow()
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
            owner=named.get(ticket.owner_id) if ticket and ticket.owner_id else None,
            targets=[TargetPublic(**asdict(due)) for due in targets_of(ticket, now)]
            if ticket
            else [],
        )
        for request, name, ticket in rows[:limit]
    ]
    return RequestListing(items, len(rows) > limit, limit, offset)


async def count_requests(
    session: AsyncSession, principal: Principal, filters: RequestFilters | None = None
) -> int:
    """How many requests ``list_requests`` would list, however many pages they take."""
    conditions = _matching(principal, filters or RequestFilters())
    if conditions is None:
        return 0
    query = select(func.count()).select_from(ChangeRequest).where(*conditions)
    return int((await session.exec(query)).one())


async def find_by_ticket(
    session: AsyncSession, principal: Principal, number: str
) -> RequestListItem | None:
    """The request whose ticket is ``number``, if the caller may see it."""
    found = await list_requests(session, principal, RequestFilters(ticket=number), limit=1)
    return found.items[0] if found.items else None
