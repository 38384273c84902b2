"""A ticket's clock's steps: what is due on the ticket as it stands now (a warning, or its
closing), and how the clock is told of a change."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError

from models.audit import ticket_event
from models.database import SessionFactory, after_commit, transaction
from models.enums import SlaTarget
from models.sla import (
    ClockStart,
    Targets,
    TicketClock,
    clock_of,
    close,
    closes_now,
    resolve,
    warn_now,
)
from models.ticket import Ticket

# The clock's workflow and its signal, by name: the API and the activities tell it without
# importing the workflow.
CLOCK_WORKFLOW = "TicketClockWorkflow"
CHANGED = "changed"


def clock_id(clock: TicketClock) -> str:
    """Unique to the ticket, in whichever database its number was given."""
    return f"ticket-clock-{clock.customer_id}/{clock.number}"


async def tell_clock(client: Client, task_queue: str, clock: TicketClock, targets: Targets) -> None:
    """Tell the ticket's clock how the ticket stands, starting the clock if it has none
    (a new ticket, or one that closed and was reopened by nobody: it then ends at once)."""
    await client.start_workflow(
        CLOCK_WORKFLOW,
        ClockStart(clock, targets),
        id=clock_id(clock),
        task_queue=task_queue,
        start_signal=CHANGED,
        start_signal_args=[clock],
        static_summary=f"the service targets of ticket {clock.number}",
    )


async def tell_clock_from_activity(clock: TicketClock, targets: Targets) -> None:
    """From an activity, once its transaction committed. Best effort: a clock not told
    learns how its ticket stands when its next timer fires."""
    try:
        await tell_clock(activity.client(), activity.info().task_queue, clock, targets)
    except Exception as error:  # the change is committed; the clock catches up later
        activity.logger.warning("ticket %s's clock not told: %s", clock.number, error)


@dataclass(frozen=True)
class ClockDue:
    """The clock's timer for ``what`` fired at ``at``: a target's warning, or (None) the
    closing of a resolved ticket."""

    number: str
    what: SlaTarget | None
    at: datetime


@dataclass(frozen=True)
class ClockAnswer:
    """How the ticket stands now, and whether the warning asked about is still due."""

    clock: TicketClock
    warn: bool = False


class TicketClockActivities:
    def __init__(self, sessions: SessionFactory, targets: Targets) -> None:
        self._sessions = sessions
        self._targets = targets

    @activity.defn
    async def ticket_clock_due(self, due: ClockDue) -> ClockAnswer:
        """Check against the ticket as it stands that what the timer was set for is still
        due (the clock may not have heard of a change); close a resolved ticket whose time
        has come."""
        async with transaction(self._sessions) as session:
            ticket = await session.scalar(
                select(Ticket).where(Ticket.number == due.number).with_for_update()
            )
            if ticket is None:
                raise ApplicationError("the ticket is gone", type="DataMissing", non_retryable=True)
            if due.what is not None:
                return ClockAnswer(
                    clock_of(ticket), warn_now(ticket, due.what, due.at, self._targets)
                )
            if closes_now(ticket, due.at, self._targets):
                close(ticket, due.at)
                session.add(ticket_event(ticket, "ticket_closed", due.at))
            return ClockAnswer(clock_of(ticket))


async def follow_request(
    session: AsyncSession, request_id: uuid.UUID, at: datetime, targets: Targets
) -> None:
    """The request closed: its ticket is resolved with it (it closes by itself later), and
    its clock is told once the change is committed."""
    ticket = await session.scalar(select(Ticket).where(Ticket.request_id == request_id))
    if ticket is None or not ticket.status.is_active:
        return
    resolve(ticket, at)
    session.add(ticket_event(ticket, "ticket_resolved", at))
    clock = clock_of(ticket)
    after_commit(session, lambda: tell_clock_from_activity(clock, targets))
