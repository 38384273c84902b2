"""What is done to a ticket besides writing on it: resolving it, giving it an owner."""

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api import gateway
from api.errors import Conflict, Forbidden
from api.identity import Principal
from api.services.tickets import load_ticket, ticket_view
from models.access import may_assign_ticket, may_resolve_ticket
from models.audit import ticket_event
from models.database import begin_write
from models.enums import TicketStatus, UserState
from models.problems import Problem, ValidationProblems
from models.request import ChangeRequest
from models.sla import Targets, clock_of, resolve
from models.ticket import TicketPublic
from models.types import utcnow
from models.user import User


async def resolve_ticket(
    session: AsyncSession,
    temporal: Client,
    task_queue: str,
    targets: Targets,
    principal: Principal,
    number: str,
) -> TicketPublic:
    """Resolve: the service team, or the contact who raised it. A request's ticket follows
    its request and is not resolved by hand while the request is open. Resolving a resolved
    ticket again changes nothing."""
    ticket = await load_ticket(session, principal, number)
    if not may_resolve_ticket(principal, ticket.raised_by_id):
        raise Forbidden("a ticket is resolved by the service team or by whoever raised it")
    if ticket.status is TicketStatus.CLOSED:
        raise Conflict("this ticket is closed already")
    if ticket.request_id is not None:
        request = await session.get(ChangeRequest, ticket.request_id)
        if request is not None and request.status.is_open:
            raise Conflict(
                "this ticket belongs to a request that is still open: it is resolved when "
                "the request closes"
            )
    if ticket.status is not TicketStatus.RESOLVED:
        await begin_write(session)
        await session.refresh(ticket, with_for_update=True)
        if ticket.status.is_active:
            now = utcnow()
            resolve(ticket, now)
            session.add(ticket_event(ticket, "ticket_resolved", now, principal.actor))
            clock = clock_of(ticket)
            await session.commit()
            await gateway.tell_clock(temporal, task_queue, clock, targets)
        else:
            await session.commit()
    return await ticket_view(session, principal, number)


async def assign_ticket(
    session: AsyncSession, principal: Principal, number: str, owner_id: uuid.UUID | None
) -> TicketPublic:
    """Give the ticket (and so its request) an owner among the active team, or none."""
    ticket = await load_ticket(session, principal, number)
    if not may_assign_ticket(principal):
        raise Forbidden("tickets are assigned by the service team")
    if owner_id is not None:
        owner = await session.get(User, owner_id)
        if owner is None or not owner.is_staff or owner.state is not UserState.ACTIVE:
            raise ValidationProblems(
                [Problem(("body", "owner_id"), "the owner must be an active member of the team")]
            )
    if ticket.owner_id != owner_id:
        await begin_write(session)
        await session.refresh(ticket, with_for_update=True)
        now = utcnow()
        ticket.owner_id = owner_id
        ticket.updated_at = now
        named = f"staff:{owner_id}" if owner_id else None
        session.add(ticket_event(ticket, "ticket_assigned", now, principal.actor, owner=named))
        await session.commit()
    return await ticket_view(session, principal, number)
