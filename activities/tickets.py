"""The built-in ticket store: one ticket per change request."""

from sqlmodel import select
from temporalio import activity

from activities.audit import load_request, record
from activities.ticket_clock import tell_clock_from_activity
from models.contact import Contact
from models.database import SessionFactory, after_commit, transaction
from models.enums import Side
from models.payloads import RaiseTicket
from models.sla import Targets, clock_of, open_ticket
from models.ticket import Ticket, ticket_number
from models.user import User


class TicketActivities:
    def __init__(self, sessions: SessionFactory, targets: Targets) -> None:
        self._sessions = sessions
        self._targets = targets

    @activity.defn
    async def raise_ticket(self, command: RaiseTicket) -> str:
        """Raise the request's ticket, or return the one already raised."""
        async with transaction(self._sessions) as session:
            request = await load_request(session, command.request_id)
            existing = await session.scalar(
                select(Ticket.number).where(Ticket.request_id == request.id)
            )
            if existing is not None:
                return str(existing)
            requester = await session.get(User, request.requester_id)
            contact = (
                await session.get(Contact, requester.contact_id)
                if requester and requester.contact_id
                else None
            )
            ticket = Ticket(
                customer_id=request.customer_id,
                request_id=request.id,
                side=contact.side if contact else Side.CUSTOMER,
                subject=f"{request.kind.label.capitalize()} request",
                body=(
                    f"A {request.kind.label} was requested. The existing and requested "
                    f"values are on request {request.id}."
                ),
                raised_by_id=request.requester_id,
                created_at=command.at,
            )
            session.add(ticket)
            await session.flush()
            assert ticket.id is not None
            ticket.number = ticket_number(ticket.id)
            open_ticket(ticket, command.at, self._targets)
            clock, targets = clock_of(ticket), self._targets
            after_commit(session, lambda: tell_clock_from_activity(clock, targets))
            request.ticket_number = ticket.number
            request.run_id = activity.info().workflow_run_id
            request.updated_at = command.at
            record(session, request, "ticket_raised", command.at, ticket=ticket.number)
            return ticket.number
