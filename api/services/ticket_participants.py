"""Contacts copied on a ticket: who may copy whom, copying and taking off, and what the
ticket's page offers. A copied contact is emailed the service team's replies as the ticket's
raiser is (``models.conversation.on_comment``)."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api.errors import Conflict, Forbidden, NotFound
from api.identity import Principal
from api.services import tickets
from models.access import TicketFacts, may_be_copied, may_copy_on_ticket
from models.audit import AuditEvent
from models.contact import Contact
from models.database import begin_write
from models.enums import Side, TicketStatus
from models.problems import Problem, ValidationProblems
from models.queries import purchaser_of
from models.ticket import Ticket, TicketPublic
from models.ticket_participant import ParticipantCreate, ParticipantPublic, TicketParticipant
from models.types import utcnow

# The same words for a contact of another organisation, of another customer, or for an id
# that names no one: the answer must not tell which.
NOT_COPYABLE = (
    "this contact cannot be copied on this ticket: choose a current contact of an "
    "organisation that can see it"
)
CLOSED = "this ticket is closed and takes no more replies: nobody more can be copied on it"
FORBIDDEN = (
    "contacts are copied by whoever raised the ticket, the customer's Management and Cust "
    "Admin, and the service team"
)


class NotCopied(NotFound):
    """The contact is not copied on the ticket (the ticket itself is visible)."""


@dataclass(frozen=True)
class Copied:
    """A contact copied on a ticket, and whether this call copied them (False: they were)."""

    participant: ParticipantPublic
    new: bool


@dataclass(frozen=True)
class Choice:
    contact_id: uuid.UUID
    name: str
    organisation: str


@dataclass(frozen=True)
class Copying:
    """What a ticket's page shows of its copied contacts, and offers the person."""

    copied: list[Choice]
    # Copies and takes off (a closed ticket copies nobody more).
    may_copy: bool
    closed: bool
    # The contacts the person may still copy, by name and organisation.
    choices: list[Choice]


def _facts(ticket: Ticket) -> TicketFacts:
    return TicketFacts(ticket.customer_id, ticket.side, ticket.shared, ticket.created_at)


def _require_copier(principal: Principal, ticket: Ticket) -> None:
    if not may_copy_on_ticket(principal, _facts(ticket), ticket.raised_by_id):
        raise Forbidden(FORBIDDEN)


async def _copyable(session: AsyncSession, ticket: Ticket) -> list[Contact]:
    """The current contacts (with an email) who may be copied on the ticket, its raiser
    among them, by name."""
    purchaser = await purchaser_of(session, ticket.customer_id)
    since = purchaser.assigned_at if purchaser else None
    found = await session.exec(
        select(Contact)
        .where(
            Contact.customer_id == ticket.customer_id,
            col(Contact.removed_at).is_(None),
            col(Contact.email).is_not(None),
        )
        .order_by(col(Contact.first_name), col(Contact.last_name), col(Contact.id))
    )
    facts = _facts(ticket)
    return [
        contact
        for contact in found
        if may_be_copied(facts, contact.customer_id, contact.side, since)
    ]


def _present(row: TicketParticipant, contact: Contact) -> ParticipantPublic:
    return ParticipantPublic(
        contact_id=contact.id, name=contact.display_name, side=contact.side, added_at=row.added_at
    )


async def copy_contact(
    session: AsyncSession,
    temporal: Client,
    task_queue: str,
    principal: Principal,
    number: str,
    form: ParticipantCreate,
) -> Copied:
    """Copy a contact on the ticket; they are told so, and emailed its replies from now on.
    Copying one already copied changes nothing and answers with their copy (``new`` False);
    the raiser hears every reply already, and a closed ticket has no more replies (409)."""
    ticket = await tickets.load_ticket(session, principal, number)
    _require_copier(principal, ticket)
    if ticket.status is TicketStatus.CLOSED:
        raise Conflict(CLOSED)
    contact = next((c for c in await _copyable(session, ticket) if c.id == form.contact_id), None)
    if contact is None:
        raise ValidationProblems([Problem(("body", "contact_id"), NOT_COPYABLE)])
    if str(contact.id) == await tickets.raiser_contact(session, ticket):
        raise Conflict(
            "this contact raised the ticket (or filed its request): they are emailed every "
            "reply already"
        )
    assert ticket.id is not None and ticket.number is not None
    await begin_write(session)
    earlier = await _row(session, ticket.id, contact.id)
    if earlier is not None:
        await session.commit()
        return Copied(_present(earlier, contact), new=False)
    now = utcnow()
    row = TicketParticipant(
        ticket_id=ticket.id, contact_id=contact.id, added_by_id=principal.user_id, added_at=now
    )
    added = _audit(principal, ticket, "participant_added", contact.id, now)
    session.add(row)
    session.add(added)
    try:
        await session.commit()
    except IntegrityError:
        # Copied by another call at the same moment (PostgreSQL).
        await session.rollback()
        earlier = await _row(session, ticket.id, contact.id)
        if earlier is None:
            raise
        return Copied(_present(earlier, contact), new=False)

    async def take_back() -> None:
        await begin_write(session)
        await session.delete(added)
        await session.delete(row)
        await session.commit()

    await tickets.announce_copied(session, temporal, task_queue, ticket, row, take_back)
    return Copied(_present(row, contact), new=True)


async def uncopy_contact(
    session: AsyncSession, principal: Principal, number: str, contact_id: uuid.UUID
) -> None:
    """Take a contact off the ticket: they are emailed its replies no more."""
    ticket = await tickets.load_ticket(session, principal, number)
    _require_copier(principal, ticket)
    assert ticket.id is not None
    await begin_write(session)
    row = await _row(session, ticket.id, contact_id)
    if row is None:
        await session.commit()
        raise NotCopied("that contact is not copied on this ticket")
    await session.delete(row)
    session.add(_audit(principal, ticket, "participant_removed", contact_id, utcnow()))
    await session.commit()


async def copying(session: AsyncSession, principal: Principal, ticket: TicketPublic) -> Copying:
    """The ticket's copied contacts with their organisations; for whoever may copy, the
    contacts they may still copy (neither copied nor its raiser)."""
    row = await tickets.load_ticket(session, principal, ticket.number)
    names = await tickets.organisations(session, ticket.customer_id)

    def organisation(side: Side) -> str:
        return names.customer if side is Side.CUSTOMER else names.purchaser or "the purchaser"

    copied = [
        Choice(person.contact_id, person.name, organisation(person.side))
        for person in ticket.participants
    ]
    closed = row.status is TicketStatus.CLOSED
    if not may_copy_on_ticket(principal, _facts(row), row.raised_by_id):
        return Copying(copied, may_copy=False, closed=closed, choices=[])
    left_out = {person.contact_id for person in ticket.participants}
    raiser = await tickets.raiser_contact(session, row)
    choices = [
        Choice(contact.id, contact.display_name, organisation(contact.side))
        for contact in await _copyable(session, row)
        if contact.id not in left_out and str(contact.id) != raiser
    ]
    return Copying(copied, may_copy=True, closed=closed, choices=[] if closed else choices)


async def _row(
    session: AsyncSession, ticket_id: int, contact_id: uuid.UUID
) -> TicketParticipant | None:
    found = await session.exec(
        select(TicketParticipant).where(
            TicketParticipant.ticket_id == ticket_id, TicketParticipant.contact_id == contact_id
        )
    )
    return found.first()


def _audit(
    principal: Principal, ticket: Ticket, action: str, contact_id: uuid.UUID, at: datetime
) -> AuditEvent:
    """Ids only; the ticket's side and sharing, as its own events say them, so that the same
    people see it (``models.access.sees_audit_event``)."""
    assert ticket.number is not None
    return AuditEvent(
        customer_id=ticket.customer_id,
        actor=principal.actor,
        action=action,
        detail={
            "ticket": ticket.number,
            "side": ticket.side.value,
            "shared": ticket.shared,
            "contact_id": str(contact_id),
        },
        at=at,
    )
