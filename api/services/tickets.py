"""Tickets as the caller may see them, and comments on them."""

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api import gateway
from api.errors import Forbidden, NotFound
from api.identity import Principal
from models.access import TicketFacts, may_raise_ticket, sees_ticket
from models.audit import AuditEvent
from models.contact import Contact
from models.database import begin_write
from models.enums import CommentKind, Side
from models.payloads import CommentNotice
from models.problems import Problem, ValidationProblems
from models.queries import purchaser_of
from models.request import ChangeRequest
from models.ticket import (
    CommentPublic,
    Ticket,
    TicketComment,
    TicketCreate,
    TicketPublic,
    ticket_number,
)
from models.types import utcnow
from models.user import User
from workflows.request import RequestWorkflow


async def _visible(
    session: AsyncSession, principal: Principal, number: str | None = None
) -> list[Ticket]:
    """The tickets the caller may see (``models.access.sees_ticket``), newest first."""
    query = select(Ticket).order_by(col(Ticket.id).desc())
    if not principal.is_staff:
        query = query.where(Ticket.customer_id == principal.customer_id)
    if number is not None:
        query = query.where(Ticket.number == number)
    tickets = list(await session.exec(query))
    since = None
    if principal.side is Side.PURCHASER and principal.customer_id is not None:
        purchaser = await purchaser_of(session, principal.customer_id)
        since = purchaser.assigned_at if purchaser else None
    return [
        ticket
        for ticket in tickets
        if sees_ticket(
            principal,
            TicketFacts(ticket.customer_id, ticket.side, ticket.shared, ticket.created_at),
            since,
        )
    ]


async def list_tickets(session: AsyncSession, principal: Principal) -> list[TicketPublic]:
    return [await _present(session, ticket) for ticket in await _visible(session, principal)]


async def load_ticket(session: AsyncSession, principal: Principal, number: str) -> Ticket:
    """A ticket the caller may see; one they may not answers 404, like one that does not exist."""
    visible = await _visible(session, principal, number)
    if not visible:
        raise NotFound("ticket not found")
    return visible[0]


async def raise_ticket(
    session: AsyncSession, principal: Principal, form: TicketCreate
) -> TicketPublic:
    """A support ticket of the caller's side, shared with the other organisation if asked."""
    if not may_raise_ticket(principal):
        raise Forbidden("tickets are raised by customer and purchaser contacts")
    assert principal.customer_id is not None and principal.side is not None
    if form.shared and await purchaser_of(session, principal.customer_id) is None:
        raise ValidationProblems(
            [Problem(("body", "shared"), "there is no purchaser organisation to share with")]
        )
    now = utcnow()
    await begin_write(session)
    ticket = Ticket(
        customer_id=principal.customer_id,
        side=principal.side,
        shared=form.shared,
        subject=form.subject,
        body=form.body,
        raised_by_id=principal.user_id,
        created_at=now,
    )
    session.add(ticket)
    await session.flush()
    assert ticket.id is not None
    ticket.number = ticket_number(ticket.id)
    session.add(
        AuditEvent(
            customer_id=principal.customer_id,
            actor=principal.actor,
            action="ticket_raised",
            detail={"ticket": ticket.number, "side": principal.side.value, "shared": form.shared},
            at=now,
        )
    )
    await session.commit()
    return await _present(session, ticket)


async def ticket_view(session: AsyncSession, principal: Principal, number: str) -> TicketPublic:
    return await _present(session, await load_ticket(session, principal, number))


async def add_comment(
    session: AsyncSession, temporal: Client, principal: Principal, number: str, body: str
) -> CommentPublic:
    """Store the comment; on an open request's ticket, tell its workflow (it emails)."""
    ticket = await load_ticket(session, principal, number)
    assert ticket.id is not None
    await begin_write(session)
    comment = TicketComment(
        ticket_id=ticket.id,
        author_id=principal.user_id,
        kind=CommentKind.COMMENT,
        body=body,
        created_at=utcnow(),
    )
    session.add(comment)
    await session.commit()
    assert comment.id is not None
    request = await session.get(ChangeRequest, ticket.request_id) if ticket.request_id else None
    if request is not None and request.status.is_open:
        handle = temporal.get_workflow_handle(request.workflow_id, run_id=request.run_id)
        notice = CommentNotice(comment.id, principal.is_staff)
        await gateway.tell(session, handle, RequestWorkflow.comment_added, notice, comment.id)
    return (await _comments(session, [comment]))[0]


async def _present(session: AsyncSession, ticket: Ticket) -> TicketPublic:
    comments = await session.exec(
        select(TicketComment)
        .where(TicketComment.ticket_id == ticket.id)
        .order_by(col(TicketComment.id))
    )
    return TicketPublic.model_validate(
        {
            **ticket.model_dump(),
            "visible_to": list(Side) if ticket.shared else [ticket.side],
            "comments": await _comments(session, list(comments)),
        }
    )


async def _comments(session: AsyncSession, comments: list[TicketComment]) -> list[CommentPublic]:
    authors: dict[object, str] = {}
    for comment in comments:
        if comment.author_id is not None and comment.author_id not in authors:
            authors[comment.author_id] = await _author_name(session, comment.author_id)
    return [
        CommentPublic(
            id=comment.id or 0,
            author_id=comment.author_id,
            author=authors.get(comment.author_id, _unsigned_author(comment)),
            kind=comment.kind,
            body=comment.body,
            created_at=comment.created_at,
        )
        for comment in comments
    ]


def _unsigned_author(comment: TicketComment) -> str:
    """Who wrote a comment that no user account signed."""
    if comment.kind is CommentKind.APPROVER and comment.side is not None:
        return f"the {comment.side.value}'s approver"
    return "Signoff"


async def _author_name(session: AsyncSession, user_id: object) -> str:
    user = await session.get(User, user_id)
    if user is None:
        return "unknown"
    if user.is_staff:
        return f"{user.name or 'Service team'} (service team)"
    contact = await session.get(Contact, user.contact_id) if user.contact_id else None
    return contact.display_name if contact and contact.display_name else "former contact"
