"""The service desk's view of tickets: their lists' filters and order, their owners, and
how a comment moves a ticket on and tells its clock."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, case, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api import gateway
from models.database import begin_write
from models.enums import Capacity, TicketStatus, UserState
from models.sla import Targets, TicketClosed, clock_of, on_customer_word, on_team_reply
from models.ticket import OwnerPublic, Ticket, TicketPublic
from models.user import User

# A list shows this many tickets a page.
PAGE_SIZE = 50
CLOSED = "this ticket is closed and takes no more replies: raise a new ticket instead"
_ACTIVE = (TicketStatus.OPEN, TicketStatus.WAITING_FOR_CUSTOMER)


class Ownership(StrEnum):
    MINE = "mine"
    UNASSIGNED = "unassigned"


@dataclass(frozen=True)
class TicketFilters:
    status: TicketStatus | None = None
    owner: Ownership | None = None
    # Only those that missed, or are missing, a service target.
    breached: bool = False
    customer_id: uuid.UUID | None = None
    # The soonest due first, instead of the newest first.
    soonest_due: bool = False


@dataclass(frozen=True)
class TicketPage:
    tickets: list[TicketPublic]
    # How many matched in all, and how many of each status (the other filters applied).
    total: int
    by_status: dict[TicketStatus, int]


def due_order() -> ColumnElement[datetime]:
    """``models.sla.next_due`` in SQL: the first response while it is awaited, else the
    resolution while its clock runs; none for a ticket no longer worked on."""
    return case(
        (col(Ticket.status).not_in(_ACTIVE), None),
        (
            and_(
                col(Ticket.first_responded_at).is_(None),
                col(Ticket.first_response_due_at).is_not(None),
            ),
            col(Ticket.first_response_due_at),
        ),
        else_=col(Ticket.resolution_due_at),
    )


def breached_now(now: datetime) -> ColumnElement[bool]:
    """``models.sla.is_breached`` in SQL: a target missed, or being missed at ``now``."""
    return or_(
        col(Ticket.breached).is_(True),
        and_(
            col(Ticket.status).in_(_ACTIVE),
            col(Ticket.first_responded_at).is_(None),
            col(Ticket.first_response_due_at) < now,
        ),
        col(Ticket.first_responded_at) > col(Ticket.first_response_due_at),
        col(Ticket.resolution_due_at) < now,
    )


async def owners(session: AsyncSession, tickets: list[Ticket]) -> dict[uuid.UUID, OwnerPublic]:
    """The owners of ``tickets`` by id, with their names."""
    ids = {ticket.owner_id for ticket in tickets if ticket.owner_id is not None}
    if not ids:
        return {}
    found = await session.exec(select(User).where(col(User.id).in_(ids)))
    return {user.id: OwnerPublic(id=user.id, name=user.name or "A former member") for user in found}


async def team(session: AsyncSession) -> list[OwnerPublic]:
    """The active members of the service team, who may own a ticket, by name."""
    members = await session.exec(
        select(User)
        .where(col(User.is_staff).is_(True), User.state == UserState.ACTIVE)
        .order_by(col(User.name))
    )
    return [OwnerPublic(id=member.id, name=member.name or "") for member in members]


async def move_on(
    session: AsyncSession,
    temporal: Client,
    task_queue: str,
    targets: Targets,
    ticket: Ticket,
    written_as: Capacity,
    at: datetime,
) -> None:
    """A comment hands the ticket to whoever's turn it is now: the customer's after the
    service team's reply, the service team's after anyone else's word; the clock is told."""
    if written_as is Capacity.SYSTEM:
        return
    await begin_write(session)
    await session.refresh(ticket, with_for_update=True)
    revision = ticket.revision
    try:
        if written_as is Capacity.SERVICE_TEAM:
            on_team_reply(ticket, at)
        else:
            on_customer_word(ticket, at)
    except TicketClosed:
        # Closed by its clock while the comment was written: the comment stays, on a
        # closed ticket, and says nothing more.
        await session.rollback()
        return
    if ticket.revision == revision:
        await session.commit()
        return
    clock = clock_of(ticket)
    await session.commit()
    await gateway.tell_clock(temporal, task_queue, clock, targets)
