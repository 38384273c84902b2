"""Erasing a person: the row stays (ids hold the history together), who they were goes."""

import re
import uuid
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.contact import Contact
from models.contact_change import REDACTED, scrub_contact
from models.email_log import EmailLog
from models.enums import RequestKind, UserState
from models.link import LinkToken
from models.request import ChangeRequest
from models.ticket import Ticket, TicketComment
from models.user import ApiToken, User


async def erase_contact(session: AsyncSession, contact: Contact, at: datetime) -> None:
    """Archive the contact's user, revoke its tokens and links, erase its personal data."""
    traces = [
        value
        for value in (contact.display_name, contact.email, contact.phone)
        if value and len(value) >= 3
    ]
    email = contact.email
    user = (await session.exec(select(User).where(User.contact_id == contact.id))).first()
    if user is not None:
        user.state = UserState.ARCHIVED
        user.archived_at = at
        user.name = user.email = None
        await session.exec(
            update(ApiToken)
            .where(col(ApiToken.user_id) == user.id, col(ApiToken.revoked_at).is_(None))
            .values(revoked_at=at)
        )
        await session.exec(
            update(LinkToken)
            .where(col(LinkToken.user_id) == user.id, col(LinkToken.used_at).is_(None))
            .values(used_at=at)
        )
    for name in ("salutation", "first_name", "last_name", "email", "phone", "job_title"):
        setattr(contact, name, None)
    contact.roles = []
    contact.removed_at = at
    if email:
        await session.exec(
            update(EmailLog).where(col(EmailLog.to_address) == email).values(to_address=None)
        )
    await _scrub_requests(session, contact.customer_id, contact.id, email)
    await _redact_tickets(session, contact.customer_id, traces)


async def _scrub_requests(
    session: AsyncSession, customer_id: uuid.UUID, contact_id: uuid.UUID, email: str | None
) -> None:
    requests = await session.exec(
        select(ChangeRequest).where(
            ChangeRequest.customer_id == customer_id,
            ChangeRequest.kind == RequestKind.CONTACT_CHANGE,
            col(ChangeRequest.requested).is_not(None),
        )
    )
    for request in requests:
        assert request.requested is not None
        scrubbed = scrub_contact(request.requested, contact_id, email)
        if scrubbed != request.requested:
            request.requested = scrubbed


async def _redact_tickets(session: AsyncSession, customer_id: uuid.UUID, traces: list[str]) -> None:
    """Replace copies of the person's name, email and phone typed into the customer's tickets."""
    if not traces:
        return
    pattern = re.compile("|".join(re.escape(trace) for trace in traces), re.IGNORECASE)
    tickets = list(await session.exec(select(Ticket).where(Ticket.customer_id == customer_id)))
    for ticket in tickets:
        ticket.subject = pattern.sub(REDACTED, ticket.subject)
        ticket.body = pattern.sub(REDACTED, ticket.body)
    comments = await session.exec(
        select(TicketComment).where(
            col(TicketComment.ticket_id).in_([ticket.id for ticket in tickets])
        )
    )
    for comment in comments:
        comment.body = pattern.sub(REDACTED, comment.body)
