"""The one way the API reaches the workflows with what people decide or say.

The ticket comment a message refers to (a decline reason, an approver's comment, a reply) is
stored on the request's ticket first, and taken back when the workflow refuses the message
or never hears of it. The waits are bounded: a decision no worker accepts in time answers
503 and keeps its comment (the server may still deliver it); one accepted but not yet applied
is reported as still being applied (202). A ticket's news (raised, commented) is told by a
workflow of its own, started once per piece of news.
"""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowUpdateRPCTimeoutOrCancelledError,
    WorkflowUpdateStage,
)
from temporalio.common import WorkflowIDReusePolicy

from api.errors import Conflict, Unavailable, temporal_errors
from models.database import begin_write
from models.enums import CommentKind, Side
from models.payloads import TicketNotice
from models.request import ChangeRequest
from models.ticket import Ticket, TicketComment
from models.types import utcnow
from workflows.ticket_notice import TicketNoticeWorkflow

# How long a decision waits to be accepted, then to be applied, before its answer.
DECISION_WAIT_SECONDS = 10.0
NO_WORKER = (
    "the decision could not be confirmed: no worker is answering; check the request again "
    "shortly before deciding again"
)
_UNCONFIRMED = (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError)


class TicketNotRaised(Conflict):
    """The request's ticket is still being raised: nothing can be noted on it yet."""


async def store_comment(
    session: AsyncSession,
    request: ChangeRequest,
    kind: CommentKind,
    body: str,
    author_id: uuid.UUID | None = None,
    side: Side | None = None,
    form_key: str | None = None,
) -> int:
    """Keep a comment on the request's ticket; its id travels in the message. The same form
    (``form_key``) sent again keeps nothing more: the first comment's id."""
    ticket = await session.scalar(select(Ticket).where(Ticket.request_id == request.id))
    if ticket is None or ticket.id is None:
        raise TicketNotRaised("the request's ticket is still being raised; try again in a moment")
    comment, _ = await keep_comment(session, ticket.id, kind, body, author_id, side, form_key)
    assert comment.id is not None
    return comment.id


async def keep_comment(
    session: AsyncSession,
    ticket_id: int,
    kind: CommentKind,
    body: str,
    author_id: uuid.UUID | None = None,
    side: Side | None = None,
    form_key: str | None = None,
) -> tuple[TicketComment, bool]:
    """A comment kept on the ticket, and whether it is new: a form (``form_key``) sent again
    gets the comment it left the first time."""
    await begin_write(session)
    kept = await _kept_before(session, ticket_id, form_key)
    if kept is not None:
        return kept, False
    comment = TicketComment(
        ticket_id=ticket_id,
        author_id=author_id,
        kind=kind,
        side=side,
        body=body,
        form_key=form_key,
        created_at=utcnow(),
    )
    session.add(comment)
    try:
        await session.commit()
    except IntegrityError:
        # The same form, sent at the same moment, left it first (PostgreSQL).
        await session.rollback()
        kept = await _kept_before(session, ticket_id, form_key)
        if kept is None:
            raise
        return kept, False
    return comment, True


async def _kept_before(
    session: AsyncSession, ticket_id: int, form_key: str | None
) -> TicketComment | None:
    """The comment the form with this key left on the ticket, if it was sent before (the
    write begun for it ends, keeping what was read)."""
    if form_key is None:
        return None
    kept = (
        await session.exec(
            select(TicketComment).where(
                TicketComment.ticket_id == ticket_id, TicketComment.form_key == form_key
            )
        )
    ).first()
    if kept is not None:
        await session.commit()
    return kept


async def decide(
    session: AsyncSession,
    handle: WorkflowHandle[Any, Any],
    update: Any,
    decision: Any,
    comment_id: int | None,
) -> bool:
    """Deliver a decision as an Update; True once applied, False while it is still being
    applied. A refusal raises ``Refused`` (409); no worker in time, ``Unavailable`` (503)."""
    try:
        async with asyncio.timeout(DECISION_WAIT_SECONDS):
            with temporal_errors():
                accepted = await handle.start_update(
                    update, decision, wait_for_stage=WorkflowUpdateStage.ACCEPTED
                )
    except _UNCONFIRMED as error:
        raise Unavailable(NO_WORKER) from error
    except BaseException:
        await take_back_comment(session, comment_id)
        raise
    try:
        async with asyncio.timeout(DECISION_WAIT_SECONDS):
            with temporal_errors():
                await accepted.result()
    except _UNCONFIRMED:
        return False
    except BaseException:
        await take_back_comment(session, comment_id)
        raise
    return True


async def announce(
    temporal: Client,
    task_queue: str,
    news_id: str,
    notice: TicketNotice,
    take_back: Callable[[], Awaitable[None]],
) -> None:
    """Have a ticket's news told, once per ``news_id`` (a retry tells nothing twice): the
    customer's id, the ticket's number and what happened. If Temporal cannot take it, what
    the news is about is taken back (503)."""
    if not notice.notifications:
        return
    try:
        with temporal_errors():
            await temporal.start_workflow(
                TicketNoticeWorkflow.run,
                notice,
                id=f"ticket-notice-{news_id}",
                task_queue=task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                static_summary=f"tell the news of {news_id}",
            )
    except Conflict:
        return  # told already, by the first attempt
    except BaseException:
        await take_back()
        raise


async def take_back_comment(session: AsyncSession, comment_id: int | None) -> None:
    if comment_id is None:
        return
    await begin_write(session)
    comment = await session.get(TicketComment, comment_id)
    if comment is not None:
        await session.delete(comment)
    await session.commit()
