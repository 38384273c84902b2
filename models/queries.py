"""Reads shared by the API (validation at submission) and the activities (at apply time)."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Result, null, union_all
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.asks import Asks, PurchaserNow, Standing
from models.contact import Contact
from models.contact_fields import DETAIL_FIELDS
from models.contact_state import ContactState
from models.conversation import capacity
from models.customer import Customer
from models.enums import Capacity, Responsibility, UserState
from models.kinds import KINDS
from models.purchaser import Purchaser
from models.request import ChangeRequest
from models.ticket import Ticket, TicketComment
from models.ticket_participant import TicketParticipant
from models.user import User


async def living_contacts(
    session: AsyncSession, customer_id: uuid.UUID, lock: bool = False
) -> list[Contact]:
    query = (
        select(Contact)
        .where(Contact.customer_id == customer_id, col(Contact.removed_at).is_(None))
        .order_by(col(Contact.last_name), col(Contact.first_name), col(Contact.id))
    )
    if lock:
        query = query.with_for_update()
    return list(await session.exec(query))


def contact_state(contact: Contact) -> ContactState:
    return ContactState(
        id=contact.id,
        side=contact.side,
        details={name: getattr(contact, name) for name in DETAIL_FIELDS},
        roles=contact.role_set,
    )


async def emails_taken(session: AsyncSession, emails: Iterable[str]) -> dict[str, uuid.UUID | None]:
    """Which of ``emails`` an account uses (lower case): a living contact, at its customer,
    or a member of the service team, at none. An email names one account."""
    wanted = {email.lower() for email in emails}
    if not wanted:
        return {}
    contacts = select(func.lower(Contact.email), col(Contact.customer_id)).where(
        func.lower(Contact.email).in_(wanted)
    )
    staff = select(func.lower(User.email), null()).where(
        col(User.is_staff), func.lower(User.email).in_(wanted)
    )
    connection = await session.connection()
    found: Result[str | None, Any] = await connection.execute(union_all(contacts, staff))
    taken: dict[str, uuid.UUID | None] = {}
    for email, customer in found:
        if email:
            # An id read back through a union is not always typed as one (SQLite).
            taken[email] = uuid.UUID(str(customer)) if customer is not None else None
    return taken


async def active_team_size(session: AsyncSession) -> int:
    """How many members of the service team are active."""
    count = await session.scalar(
        select(func.count())
        .select_from(User)
        .where(col(User.is_staff), User.state == UserState.ACTIVE)
    )
    return int(count or 0)


async def purchaser_of(session: AsyncSession, customer_id: uuid.UUID) -> Purchaser | None:
    return (
        await session.exec(select(Purchaser).where(Purchaser.customer_id == customer_id))
    ).first()


async def purchaser_responsibility(
    session: AsyncSession, customer_id: uuid.UUID
) -> Responsibility | None:
    """The responsibility of the customer's purchaser, or None when none is assigned."""
    purchaser = await purchaser_of(session, customer_id)
    return purchaser.responsibility if purchaser else None


async def comment_author(
    session: AsyncSession, comment: TicketComment, ticket: Ticket
) -> tuple[str, Capacity]:
    """Who wrote the comment, as the ticket names them, and in what capacity."""
    user = await session.get(User, comment.author_id) if comment.author_id else None
    requester = None
    if ticket.request_id is not None:
        request = await session.get(ChangeRequest, ticket.request_id)
        requester = request.requester_id if request else None
    contact = await session.get(Contact, user.contact_id) if user and user.contact_id else None
    return named_author(comment, user, contact, requester)


async def copied_on(
    session: AsyncSession, ticket_ids: Iterable[int]
) -> list[tuple[TicketParticipant, Contact]]:
    """The contacts copied on these tickets who can still be emailed (not removed, not
    erased), each with its row, in the order they were copied."""
    ids = list(ticket_ids)
    if not ids:
        return []
    rows = await session.exec(
        select(TicketParticipant, Contact)
        .join(Contact, col(Contact.id) == TicketParticipant.contact_id)
        .where(
            col(TicketParticipant.ticket_id).in_(ids),
            col(Contact.removed_at).is_(None),
            col(Contact.email).is_not(None),
        )
        .order_by(col(TicketParticipant.added_at), col(TicketParticipant.id))
    )
    return list(rows.all())


@dataclass(frozen=True)
class Authors:
    """What naming the comments of some tickets takes, read in one query per table."""

    users: dict[uuid.UUID, User]
    contacts: dict[uuid.UUID, Contact]
    # The requester of each ticket's request, by the request's id.
    requesters: dict[uuid.UUID, uuid.UUID]

    def of(self, comment: TicketComment, ticket: Ticket) -> tuple[str, Capacity]:
        """``comment_author``, without a query."""
        user = self.users.get(comment.author_id) if comment.author_id else None
        contact = self.contacts.get(user.contact_id) if user and user.contact_id else None
        requester = self.requesters.get(ticket.request_id) if ticket.request_id else None
        return named_author(comment, user, contact, requester)


async def authors(
    session: AsyncSession, comments: Iterable[TicketComment], tickets: Iterable[Ticket]
) -> Authors:
    """The authors of ``comments`` on ``tickets``, and the requesters of their requests."""
    user_ids = {comment.author_id for comment in comments if comment.author_id}
    request_ids = {ticket.request_id for ticket in tickets if ticket.request_id}
    users: dict[uuid.UUID, User] = {}
    contacts: dict[uuid.UUID, Contact] = {}
    requesters: dict[uuid.UUID, uuid.UUID] = {}
    if user_ids:
        found = await session.exec(select(User).where(col(User.id).in_(user_ids)))
        users = {user.id: user for user in found}
    contact_ids = {user.contact_id for user in users.values() if user.contact_id}
    if contact_ids:
        found_contacts = await session.exec(select(Contact).where(col(Contact.id).in_(contact_ids)))
        contacts = {contact.id: contact for contact in found_contacts}
    if request_ids:
        rows = await session.exec(
            select(ChangeRequest.id, ChangeRequest.requester_id).where(
                col(ChangeRequest.id).in_(request_ids)
            )
        )
        requesters = dict(rows.all())
    return Authors(users, contacts, requesters)


def named_author(
    comment: TicketComment,
    user: User | None,
    contact: Contact | None,
    requester_id: uuid.UUID | None,
) -> tuple[str, Capacity]:
    """The name a comment by ``user`` (their ``contact``) is shown with, and its capacity."""
    written_as = capacity(
        comment.kind,
        by_staff=bool(user and user.is_staff),
        by_requester=user is not None and user.id == requester_id,
    )
    if user is None:
        if comment.side is not None:
            return f"the {comment.side.value}'s approver", written_as
        return "Signoff", written_as
    if user.is_staff:
        return f"{user.name or 'Service team'} (service team)", written_as
    name = contact.display_name if contact and contact.display_name else "former contact"
    return name, written_as


async def standing(session: AsyncSession, customer_id: uuid.UUID) -> Standing:
    """The customer as a request's words need it (see ``models.asks``)."""
    customer = await session.get(Customer, customer_id)
    purchaser = await purchaser_of(session, customer_id)
    return Standing(
        customer_name=customer.legal_name if customer else "",
        contacts=[contact_state(c) for c in await living_contacts(session, customer_id)],
        purchaser=PurchaserNow(purchaser.name, purchaser.responsibility) if purchaser else None,
    )


async def asks_of(session: AsyncSession, request: ChangeRequest) -> Asks | None:
    """What the request asks its approvers, in words, while it keeps its form; None for a
    kind that asks none."""
    ask = KINDS[request.kind].asks
    if ask is None or request.requested is None:
        return None
    return ask(request.requested, await standing(session, request.customer_id))
