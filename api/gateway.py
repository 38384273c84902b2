"""The one way the API reaches the workflows: a request's start, what people decide or say.

The ticket comment a message refers to (a decline reason, an approver's comment, a reply) is
stored on the request's ticket first, and taken back when the workflow refuses the message
or never hears of it. The waits are bounded: a decision no worker accepts in time answers
503 and keeps its comment (the server may still deliver it); one accepted but not yet applied
is reported as still being applied (202). A ticket's news (raised, commented) is told by a
workflow of its own, started once per piece of news.
"""

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import (
    Client,
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowUpdateRPCTimeoutOrCancelledError,
    WorkflowUpdateStage,
)
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from activities.ticket_clock import tell_clock as tell_clock_of
from api.errors import Conflict, Unavailable, temporal_errors
from api.services.attachment_checks import Attaching, take_back_files
from models.database import begin_write
from models.enums import CommentKind, Side
from models.kinds import KINDS
from models.payloads import RequestInput, SignInEmail, TicketNotice, Welcome, WelcomeEmail
from models.request import ChangeRequest
from models.sla import Targets, TicketClock
from models.ticket import Ticket, TicketComment
from models.types import utcnow
from workflows.request import RequestWorkflow
from workflows.search_attributes import CUSTOMER_ID, REQUEST_KIND, REQUEST_STATUS
from workflows.sign_in import SignInEmailWorkflow
from workflows.ticket_notice import TicketNoticeWorkflow
from workflows.welcome import WelcomeWorkflow

log = logging.getLogger("signoff.api")
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
    attaching: Attaching | None = None,
) -> tuple[TicketComment, bool]:
    """A comment kept on the ticket, and whether it is new: a form (``form_key``) sent again
    gets the comment it left the first time. A file the reply carries (``attaching``) is
    kept with it, or neither is."""
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
        if attaching is not None:
            await attaching.keep(session, comment)
        await session.commit()
    except Conflict:
        # The ticket has no room for the file.
        await session.rollback()
        raise
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
    temporal: Client,
    request: ChangeRequest,
    update: Any,
    decision: Any,
    comment_id: int | None,
) -> bool:
    """Deliver a decision to the request's workflow as an Update; True once applied, False
    while it is still being applied. A refusal raises ``Refused`` (409); no worker in time,
    ``Unavailable`` (503)."""
    handle = temporal.get_workflow_handle(request.workflow_id, run_id=request.run_id)
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
    await take_back_files(session, comment_id)
    comment = await session.get(TicketComment, comment_id)
    if comment is not None:
        await session.delete(comment)
    await session.commit()


# How long a new request waits for the previous one of its kind to finish its last steps.
FINISHING_WAIT_SECONDS = 10.0


async def start_request(
    temporal: Client, task_queue: str, request: ChangeRequest, start: RequestInput, filed_by: str
) -> WorkflowHandle[Any, Any]:
    """Start the request's workflow with its input. The customer's previous request of this
    kind may be closed in the database yet still sending its last email: wait for it, then
    start."""
    customer = request.customer_id
    for attempt in range(2):
        try:
            return await temporal.start_workflow(
                KINDS[request.kind].workflow,
                start,
                id=request.workflow_id,
                task_queue=task_queue,
                search_attributes=TypedSearchAttributes(
                    [
                        SearchAttributePair(CUSTOMER_ID, str(request.customer_id)),
                        SearchAttributePair(REQUEST_KIND, request.kind.value),
                        SearchAttributePair(REQUEST_STATUS, request.status.value),
                    ]
                ),
                static_summary=f"{request.kind.label.capitalize()} for customer {customer}",
                static_details=(
                    f"**Request** `{request.id}`  \n**Kind** {request.kind.value}  \n"
                    f"**Customer** `{request.customer_id}`  \n{filed_by}"
                ),
            )
        except WorkflowAlreadyStartedError:
            if attempt or not await _finishing(temporal, request):
                raise
    raise AssertionError("unreachable")


async def _finishing(temporal: Client, request: ChangeRequest) -> bool:
    """True once the running workflow of this id has closed, if its request is already closed."""
    handle = temporal.get_workflow_handle(request.workflow_id)
    try:
        async with asyncio.timeout(FINISHING_WAIT_SECONDS):
            running = await handle.query(RequestWorkflow.status)
            if running.status.is_open:
                return False
            with suppress(WorkflowFailureError):
                await handle.result()
    except TimeoutError:
        return False
    return True


async def send_sign_in_link(
    temporal: Client, task_queue: str, email: SignInEmail, lifetime: timedelta
) -> None:
    """Have the sign-in link emailed, once per link and time asked (link ids may come again
    once links are purged); it gives up when the link expires."""
    await temporal.start_workflow(
        SignInEmailWorkflow.run,
        email,
        id=f"sign-in-{email.link_id}-{email.at:%Y%m%dT%H%M%S%f}",
        task_queue=task_queue,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        execution_timeout=lifetime,
        static_summary="Sign-in link emailed",
    )


async def welcome(temporal: Client, task_queue: str, welcome: Welcome) -> None:
    """Have new contacts welcomed, each by a workflow of their own (``welcome-<contact
    id>``): asked again, for whatever reason, nobody is welcomed twice."""
    await asyncio.gather(
        *(_welcome(temporal, task_queue, welcome, contact_id) for contact_id in welcome.contact_ids)
    )


async def _welcome(temporal: Client, task_queue: str, welcome: Welcome, contact_id: str) -> None:
    email = WelcomeEmail(contact_id, welcome.at, welcome.lifetime_seconds)
    try:
        with temporal_errors():
            await temporal.start_workflow(
                WelcomeWorkflow.run,
                email,
                id=welcome_id(contact_id),
                task_queue=task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                execution_timeout=timedelta(seconds=welcome.lifetime_seconds),
                static_summary=f"Welcome a new contact of customer {welcome.customer_id}",
            )
    except Conflict:
        return  # asked for before


def welcome_id(contact_id: str) -> str:
    return f"welcome-{contact_id}"


async def forget_welcomes(temporal: Client, contact_ids: Sequence[str]) -> None:
    """Stop the welcomes of contacts that were never stored (best effort: one left running
    finds no contact and ends by itself)."""
    for contact_id in contact_ids:
        with suppress(Exception):
            await temporal.get_workflow_handle(welcome_id(contact_id)).terminate(
                "the contact was not stored"
            )


async def tell_clock(
    temporal: Client,
    task_queue: str,
    clock: TicketClock,
    targets: Targets,
    take_back: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Tell a ticket's clock how the ticket stands (starting it for a new ticket). A new
    ticket whose clock cannot start is taken back (503); for a change to one, the clock
    learns of it by itself when its next timer fires, so the change stands."""
    try:
        with temporal_errors():
            await tell_clock_of(temporal, task_queue, clock, targets)
    except Exception:
        if take_back is None:
            log.warning("ticket %s's clock was not told of a change", clock.number)
            return
        await take_back()
        raise
