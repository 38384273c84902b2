"""Erasing a person: the row stays (ids hold the history together), who they were goes."""

import re
import uuid
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.contact import Contact
from models.contact_change import REDACTED, scrub_contact
from models.email_log import EmailLog
from models.enums import RequestKind, UserState
from models.link import LinkToken
from models.purchaser_addition import PurchaserAdditionCreate, scrub_addition
from models.purchaser_removal import PurchaserRemovalCreate
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
    await redact_tickets(session, contact.customer_id, traces)


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


async def redact_tickets(session: AsyncSession, customer_id: uuid.UUID, traces: list[str]) -> None:
    """Replace copies of people's names, emails and phones typed into the customer's tickets."""
    if not traces:
        return
    pattern = _pattern(traces)
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


def _pattern(traces: list[str]) -> re.Pattern[str]:
    # Longest first, so that a full name is replaced whole rather than piece by piece.
    ordered = sorted(set(traces), key=len, reverse=True)
    return re.compile("|".join(re.escape(trace) for trace in ordered), re.IGNORECASE)


async def erase_request_data(session: AsyncSession, request: ChangeRequest, at: datetime) -> None:
    """Erase what a rejected or expired request brought in: for a purchaser addition the
    purchaser, its contacts and the approvers; for a removal, its approver.

    Nothing of it was applied, so the copies are in the request itself, the email log (the
    approvers' addresses) and the texts typed into the customer's tickets.
    """
    if request.requested is None:
        return
    people, emails = _people_in(request)
    request.requested = None
    await _forget(session, request, people, emails, at)


async def forget_addition_people(
    session: AsyncSession, request_id: uuid.UUID | None, at: datetime
) -> None:
    """Once its purchaser is removed, erase the people a purchaser addition named (its
    contacts and approvers) from that request and everything it left behind."""
    request = await session.get(ChangeRequest, request_id) if request_id else None
    if request is None or request.requested is None:
        return
    people, emails = _people_in(request, organisation=False)
    request.requested = scrub_addition(request.requested)
    await _forget(session, request, people, emails, at)


async def _forget(
    session: AsyncSession,
    request: ChangeRequest,
    traces: list[str],
    emails: list[str],
    at: datetime,
) -> None:
    await session.exec(
        update(EmailLog)
        .where(col(EmailLog.request_id) == request.id, func.lower(EmailLog.to_address).in_(emails))
        .values(to_address=None)
    )
    await session.exec(
        update(LinkToken)
        .where(col(LinkToken.request_id) == request.id, col(LinkToken.used_at).is_(None))
        .values(used_at=at)
    )
    traces = [trace for trace in traces if len(trace) >= 3]
    await redact_tickets(session, request.customer_id, traces)
    pattern = _pattern(traces)
    for logged in await session.exec(select(EmailLog).where(EmailLog.request_id == request.id)):
        logged.subject = pattern.sub(REDACTED, logged.subject)


def _people_in(request: ChangeRequest, organisation: bool = True) -> tuple[list[str], list[str]]:
    """The names, emails and phones a request names (and, for an addition, the purchaser's
    name and street when ``organisation``), and the emails alone."""
    assert request.requested is not None
    if request.kind is RequestKind.PURCHASER_REMOVAL:
        approver = PurchaserRemovalCreate.model_validate(request.requested).approver
        return [approver.name, str(approver.email)], [str(approver.email)]
    form = PurchaserAdditionCreate.model_validate(request.requested)
    approvers = (form.approvers.customer, form.approvers.purchaser)
    emails = [str(c.email) for c in form.contacts] + [str(a.email) for a in approvers]
    people = [
        *(f"{c.first_name} {c.last_name}" for c in form.contacts),
        *(c.phone for c in form.contacts if c.phone),
        *(a.name for a in approvers),
        *emails,
    ]
    if organisation:
        people += [form.purchaser.name, form.purchaser.address.street]
    return people, emails
