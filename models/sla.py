"""A ticket's life and its service targets, as pure rules over the ticket's row.

A ticket opens waiting for the service team, with two targets: its first response and its
resolution. The team's reply hands it to the customer and pauses the resolution clock; the
customer's word hands it back and the clock runs on with what was left. Resolved, it closes
by itself after a while unless someone replies. The owner is warned once when 80% of a
target's time has passed. Each ticket's clock (``workflows.ticket_clock``) keeps these times.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from models.enums import SlaTarget, TicketStatus
from models.ticket import Ticket

# The share of a target's time after which its owner is warned.
WARN_AT = 0.8


@dataclass(frozen=True)
class Targets:
    """How long the service team has for each target, and how long a resolved ticket stays
    open to a reply; fixed for a ticket when it opens."""

    first_response_seconds: int
    resolution_seconds: int
    close_after_seconds: int

    @property
    def first_response(self) -> timedelta:
        return timedelta(seconds=self.first_response_seconds)

    @property
    def resolution(self) -> timedelta:
        return timedelta(seconds=self.resolution_seconds)

    @property
    def close_after(self) -> timedelta:
        return timedelta(seconds=self.close_after_seconds)


@dataclass(frozen=True)
class TicketClock:
    """What a ticket's clock needs to know of it: no text, no person."""

    number: str
    customer_id: str
    revision: int
    status: TicketStatus
    first_response_due_at: datetime | None
    first_responded: bool
    # Set while the resolution clock runs.
    resolution_due_at: datetime | None
    resolved_at: datetime | None


@dataclass(frozen=True)
class ClockStart:
    clock: TicketClock
    targets: Targets


class TicketClosed(Exception):
    """A closed ticket takes no more replies."""


def _changed(ticket: Ticket, at: datetime) -> None:
    ticket.updated_at = at
    ticket.revision += 1


def open_ticket(ticket: Ticket, at: datetime, targets: Targets) -> None:
    """A new ticket: waiting for the service team, both clocks running."""
    ticket.status = TicketStatus.OPEN
    ticket.first_response_due_at = at + targets.first_response
    ticket.resolution_due_at = at + targets.resolution
    _changed(ticket, at)


def _pause(ticket: Ticket, at: datetime) -> None:
    if ticket.resolution_due_at is None:
        return
    left = (ticket.resolution_due_at - at).total_seconds()
    ticket.breached = ticket.breached or left < 0
    ticket.resolution_left_seconds = max(left, 0.0)
    ticket.resolution_due_at = None


def _resume(ticket: Ticket, at: datetime) -> None:
    if ticket.resolution_left_seconds is None:
        return
    ticket.resolution_due_at = at + timedelta(seconds=ticket.resolution_left_seconds)
    ticket.resolution_left_seconds = None


def on_team_reply(ticket: Ticket, at: datetime) -> None:
    """The service team answered: the first response is met, the customer's turn."""
    if ticket.status is TicketStatus.CLOSED:
        raise TicketClosed
    if ticket.first_responded_at is None:
        ticket.first_responded_at = at
        due = ticket.first_response_due_at
        ticket.breached = ticket.breached or (due is not None and at > due)
    if ticket.status is TicketStatus.OPEN:
        ticket.status = TicketStatus.WAITING_FOR_CUSTOMER
        _pause(ticket, at)
    _changed(ticket, at)


def on_customer_word(ticket: Ticket, at: datetime) -> None:
    """A contact replied (or an approver spoke): the service team's turn again, a resolved
    ticket too."""
    if ticket.status is TicketStatus.CLOSED:
        raise TicketClosed
    if ticket.status is TicketStatus.OPEN:
        return
    ticket.status = TicketStatus.OPEN
    ticket.resolved_at = None
    _resume(ticket, at)
    _changed(ticket, at)


def resolve(ticket: Ticket, at: datetime) -> None:
    ticket.status = TicketStatus.RESOLVED
    ticket.resolved_at = at
    _pause(ticket, at)
    _changed(ticket, at)


def close(ticket: Ticket, at: datetime) -> None:
    ticket.status = TicketStatus.CLOSED
    ticket.closed_at = at
    _changed(ticket, at)


def clock_of(ticket: Ticket) -> TicketClock:
    assert ticket.number is not None
    return TicketClock(
        number=ticket.number,
        customer_id=str(ticket.customer_id),
        revision=ticket.revision,
        status=ticket.status,
        first_response_due_at=ticket.first_response_due_at,
        first_responded=ticket.first_responded_at is not None,
        resolution_due_at=ticket.resolution_due_at,
        resolved_at=ticket.resolved_at,
    )


def warning_at(clock: TicketClock, target: SlaTarget, targets: Targets) -> datetime | None:
    """When the owner is to be warned of ``target``, while it is still to be met."""
    if not clock.status.is_active:
        return None
    if target is SlaTarget.FIRST_RESPONSE:
        if clock.first_responded or clock.first_response_due_at is None:
            return None
        return clock.first_response_due_at - targets.first_response * (1 - WARN_AT)
    if clock.resolution_due_at is None:
        return None
    return clock.resolution_due_at - targets.resolution * (1 - WARN_AT)


def closes_at(clock: TicketClock, targets: Targets) -> datetime | None:
    """When a resolved ticket closes by itself."""
    if clock.status is not TicketStatus.RESOLVED or clock.resolved_at is None:
        return None
    return clock.resolved_at + targets.close_after


def closes_now(ticket: Ticket, now: datetime, targets: Targets) -> bool:
    due = closes_at(clock_of(ticket), targets)
    return due is not None and due <= now


def warn_now(ticket: Ticket, target: SlaTarget, now: datetime, targets: Targets) -> bool:
    """Whether ``target``'s warning is due now, as the ticket stands."""
    due = warning_at(clock_of(ticket), target, targets)
    return due is not None and due <= now


@dataclass(frozen=True)
class Due:
    """What a ticket's lists and page say of its targets."""

    target: SlaTarget
    due_at: datetime | None
    paused_seconds_left: float | None
    met_at: datetime | None
    breached: bool


def targets_of(ticket: Ticket, now: datetime) -> list[Due]:
    """Each target the ticket has, and where it stands at ``now``."""
    if ticket.first_response_due_at is None:
        return []  # a ticket from before the service targets
    responded = ticket.first_responded_at
    first_late = (
        responded > ticket.first_response_due_at
        if responded is not None
        else ticket.status.is_active and now > ticket.first_response_due_at
    )
    resolution_late = ticket.resolution_due_at is not None and now > ticket.resolution_due_at
    resolved = ticket.resolved_at if not ticket.status.is_active else None
    return [
        Due(SlaTarget.FIRST_RESPONSE, ticket.first_response_due_at, None, responded, first_late),
        Due(
            SlaTarget.RESOLUTION,
            ticket.resolution_due_at,
            ticket.resolution_left_seconds if ticket.status.is_active else None,
            resolved,
            resolution_late or (ticket.breached and not first_late),
        ),
    ]


def next_due(ticket: Ticket) -> datetime | None:
    """The time the lists sort by: the first response while it is awaited, else the
    resolution while its clock runs."""
    if not ticket.status.is_active:
        return None
    if ticket.first_responded_at is None and ticket.first_response_due_at is not None:
        return ticket.first_response_due_at
    return ticket.resolution_due_at


def is_breached(ticket: Ticket, now: datetime) -> bool:
    return ticket.breached or any(due.breached for due in targets_of(ticket, now))
