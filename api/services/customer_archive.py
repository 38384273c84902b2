"""Retiring a customer: a team admin archives it, with a reason, once none of its requests
is open. Every contact's account ends (sessions, tokens and links with it) and their
personal data is erased as a removal erases it, and so are the people its requests still
name; the customer's legal record (its profile, its purchaser organisation, its requests)
and its audit trail stay."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from activities.erasure import erase_contact, forget_customer_people
from api.errors import Conflict, Forbidden, NotFound
from api.identity import Principal
from api.services.customers import require_not_archived
from models.access import may_manage_team
from models.audit import AuditEvent, ticket_event
from models.customer import Customer, CustomerArchive
from models.database import begin_write, commit
from models.enums import OPEN_STATUSES, Side, TicketStatus
from models.queries import living_contacts
from models.request import ChangeRequest
from models.sla import close
from models.ticket import Ticket
from models.types import utcnow

OPEN_REQUEST = (
    "a request of this customer is open: it must be implemented, declined or cancelled "
    "before the customer is archived"
)


def _require_admin(principal: Principal) -> None:
    """A team admin's: another member is refused (403); to a contact, what only the service
    team does does not exist (404)."""
    if not principal.is_staff:
        raise NotFound("customer not found")
    if not may_manage_team(principal):
        raise Forbidden("only a team admin may archive a customer")


def read_reason(reason: str | None) -> str:
    """The reason read as the API's schema reads it: refused as the API refuses a body
    (422), whoever sends it."""
    body = {"reason": reason or ""}
    try:
        return CustomerArchive.model_validate(body).reason
    except ValidationError as error:
        problems = [{**problem, "loc": ("body", *problem["loc"])} for problem in error.errors()]
        raise RequestValidationError(problems, body=body) from None


@dataclass(frozen=True)
class Archiving:
    """What archiving the customer now would do: whom it would erase, and the reason kept."""

    customer: Customer
    reason: str
    # Its living contacts, and how many of them are its purchaser's.
    contacts: int
    purchaser_contacts: int


async def archivable(
    session: AsyncSession, principal: Principal, customer_id: uuid.UUID, reason: str | None
) -> Archiving:
    """What archiving would answer, asked without changing anything (the portal asks before
    it archives): a contact learns nothing (404), another member of the team is refused
    (403), then the reason (422), then the customer: unknown (404), or as it stands (409)."""
    _require_admin(principal)
    said = read_reason(reason)
    customer = await _customer(session, customer_id)
    await _refuse_unless_archivable(session, customer)
    contacts = await living_contacts(session, customer_id)
    theirs = [contact for contact in contacts if contact.side is Side.PURCHASER]
    return Archiving(customer, said, len(contacts), len(theirs))


async def archive_customer(
    session: AsyncSession, principal: Principal, customer_id: uuid.UUID, reason: str | None
) -> Customer:
    """Archive the customer in one transaction, refused as ``archivable`` says: each living
    contact (either side) erased, the customer marked archived with the reason, and the
    audit trail told who did it (ids only: the reason stays on the customer)."""
    _require_admin(principal)
    said = read_reason(reason)
    await begin_write(session)
    try:
        # Locked: a request filed meanwhile waits, then finds the customer archived.
        customer = await _customer(session, customer_id, lock=True)
        await _refuse_unless_archivable(session, customer)
        now = utcnow()
        # Set first: erasing each person takes them out of the reason too.
        customer.archived_at = customer.updated_at = now
        customer.archive_reason = said
        contacts = await living_contacts(session, customer_id, lock=True)
        for contact in contacts:
            await erase_contact(session, contact, now)
        await forget_customer_people(session, customer_id, now)
        await _close_tickets(session, customer_id, now)
        session.add(
            AuditEvent(
                customer_id=customer_id,
                actor=principal.actor,
                action="customer_archived",
                detail={"contacts": [str(contact.id) for contact in contacts]},
                at=now,
            )
        )
    except BaseException:
        await session.rollback()
        raise
    await commit(session)
    return customer


async def _close_tickets(session: AsyncSession, customer_id: uuid.UUID, at: datetime) -> None:
    """Its tickets take no more replies. Their clocks find them closed when they next look
    (no warning goes out for a closed ticket) and end."""
    tickets = await session.exec(
        select(Ticket)
        .where(Ticket.customer_id == customer_id, Ticket.status != TicketStatus.CLOSED)
        .with_for_update()
    )
    for ticket in tickets:
        close(ticket, at)
        session.add(ticket_event(ticket, "ticket_closed", at))


async def _customer(session: AsyncSession, customer_id: uuid.UUID, lock: bool = False) -> Customer:
    statement = select(Customer).where(Customer.id == customer_id)
    if lock:
        # Read afresh inside the write, as it stands now.
        statement = statement.with_for_update().execution_options(populate_existing=True)
    customer = (await session.exec(statement)).first()
    if customer is None:
        raise NotFound("customer not found")
    return customer


async def _refuse_unless_archivable(session: AsyncSession, customer: Customer) -> None:
    require_not_archived(customer)
    open_request = await session.scalar(
        select(ChangeRequest.id).where(
            ChangeRequest.customer_id == customer.id,
            col(ChangeRequest.status).in_(OPEN_STATUSES),
        )
    )
    if open_request is not None:
        raise Conflict(OPEN_REQUEST)
