"""Starting request workflows and delivering the decisions people make on them."""

import asyncio
import math
import uuid
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from pydantic import ValidationError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import (
    Client,
    WorkflowFailureError,
    WorkflowHandle,
)
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import WorkflowAlreadyStartedError

from api import gateway
from api.errors import (
    Conflict,
    Forbidden,
    NotFound,
    TooMany,
    after_the_decision,
    temporal_errors,
)
from api.identity import Principal, require_staff
from models.access import may_cancel, sees_requests
from models.customer import Customer
from models.database import begin_write
from models.enums import CommentKind, RequestKind
from models.kinds import KINDS
from models.payloads import (
    Decision,
    RequestInput,
)
from models.problems import Problem, ValidationProblems
from models.request import ChangeRequest, DeclineBody
from settings import Settings
from telemetry import CHANGE_REQUEST_ID
from workflows.request import RequestWorkflow
from workflows.search_attributes import CUSTOMER_ID, REQUEST_KIND, REQUEST_STATUS

# Where the reason of a decline is, as the API's 422 names it.
REASON_LOC = ("body", "reason")
# How long a new request waits for the previous one of its kind to finish its last steps.
FINISHING_WAIT_SECONDS = 10.0


class Action(StrEnum):
    IMPLEMENT = "implement"
    DECLINE = "decline"
    CANCEL = "cancel"


_UPDATES = {
    Action.IMPLEMENT: RequestWorkflow.implement,
    Action.DECLINE: RequestWorkflow.decline,
    Action.CANCEL: RequestWorkflow.cancel,
}


@dataclass(frozen=True)
class Filing:
    """What filing any request needs: the database, Temporal, the settings and the caller."""

    session: AsyncSession
    temporal: Client
    settings: Settings
    principal: Principal


def workflow_id(kind: RequestKind, customer_id: uuid.UUID) -> str:
    """Readable, and the guard of "one open request per kind and customer"."""
    return f"{kind.slug}-{customer_id}"


async def submit(
    filing: Filing,
    customer_id: uuid.UUID,
    kind: RequestKind,
    requested: dict[str, Any],
    outside_approval_emails: int = 0,
) -> ChangeRequest:
    """Store the request and start its workflow; undone if the workflow cannot start.
    ``outside_approval_emails``: how many of its approvers are not the customer's contacts,
    counted against the customer's daily limit."""
    session, principal = filing.session, filing.principal
    request = ChangeRequest(
        kind=kind,
        status=KINDS[kind].initial_status(requested),
        customer_id=customer_id,
        requester_id=principal.user_id,
        requested=requested,
        workflow_id=workflow_id(kind, customer_id),
        outside_approval_emails=outside_approval_emails,
    )
    await begin_write(session)
    if outside_approval_emails:
        limit = filing.settings.outside_approval_emails_per_day
        await _within_daily_limit(session, request, limit)
    session.add(request)
    await session.commit()
    CHANGE_REQUEST_ID.set(str(request.id))
    try:
        with temporal_errors(f"an open {kind.label} request already exists for this customer"):
            await _start(filing.temporal, filing.settings, principal, request)
    except BaseException:
        await begin_write(session)
        await session.delete(request)
        await session.commit()
        raise
    # The run id is recorded with the ticket, by the workflow's first step.
    return request


OUTSIDE_APPROVALS_COUNTED_FOR = timedelta(days=1)


async def _within_daily_limit(session: AsyncSession, request: ChangeRequest, limit: int) -> None:
    """Refuse (429) a request whose approval emails to people who are not the customer's
    contacts would take the customer's filings of the last day past ``limit``: nobody can be
    sent requester-written text without end."""
    # One customer's filings take turns here (SQLite's writers always do).
    await session.exec(
        select(Customer.id).where(Customer.id == request.customer_id).with_for_update()
    )
    since = request.created_at - OUTSIDE_APPROVALS_COUNTED_FOR
    earlier = list(
        await session.exec(
            select(ChangeRequest.created_at, ChangeRequest.outside_approval_emails)
            .where(
                ChangeRequest.customer_id == request.customer_id,
                col(ChangeRequest.created_at) > since,
                col(ChangeRequest.outside_approval_emails) > 0,
            )
            .order_by(col(ChangeRequest.created_at))
        )
    )
    sent = sum(count for _, count in earlier)
    if sent + request.outside_approval_emails <= limit:
        return
    await session.rollback()
    # When enough of those emails are a day old for this one to go.
    frees = earlier[-1][0] if earlier else request.created_at
    for at, count in earlier:
        sent -= count
        if sent + request.outside_approval_emails <= limit:
            frees = at
            break
    wait = frees + OUTSIDE_APPROVALS_COUNTED_FOR - request.created_at
    hours = max(1, math.ceil(wait.total_seconds() / 3600))
    raise TooMany(
        f"approval emails to people who are not this customer's contacts are limited to "
        f"{limit} a day, and this request would go past it: name approvers who are its "
        f"contacts, or try again in {hours} hour{'s' if hours > 1 else ''}",
        retry_after=max(1, math.ceil(wait.total_seconds())),
    )


def workflow_input(request: ChangeRequest, settings: Settings) -> RequestInput:
    """The workflow's input: ids, its approval sides, and the settings it keeps for its
    whole life."""
    described = KINDS[request.kind]
    return described.workflow_input(
        {
            **settings.model_dump(),
            "request_id": str(request.id),
            "customer_id": str(request.customer_id),
            "kind": request.kind,
            "requester_id": str(request.requester_id),
            "approval_sides": described.approval_sides(request.requested or {}),
        }
    )


async def _start(
    temporal: Client, settings: Settings, principal: Principal, request: ChangeRequest
) -> WorkflowHandle[Any, Any]:
    """Start the request's workflow. The customer's previous request of this kind may be
    closed in the database yet still sending its last email: wait for it, then start."""
    customer = request.customer_id
    for attempt in range(2):
        try:
            return await temporal.start_workflow(
                KINDS[request.kind].workflow,
                workflow_input(request, settings),
                id=request.workflow_id,
                task_queue=settings.task_queue,
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
                    f"**Customer** `{request.customer_id}`  \n"
                    f"**Requested by** user `{principal.user_id}`"
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


async def load_visible(
    session: AsyncSession, principal: Principal, request_id: uuid.UUID
) -> ChangeRequest:
    request = await session.get(ChangeRequest, request_id)
    if request is None or not sees_requests(principal, request.customer_id):
        raise NotFound("request not found")
    CHANGE_REQUEST_ID.set(str(request.id))
    return request


def _authorize(principal: Principal, request: ChangeRequest, action: Action) -> None:
    if action is not Action.CANCEL:
        require_staff(principal)
    elif not may_cancel(principal, request.customer_id, request.requester_id):
        raise Forbidden("only the requester, Management or Cust Admin may cancel")


def _reason(action: Action, reason: str | None) -> str | None:
    """A decline's reason, read as the API's schema (the requester is sent it); the other
    decisions carry none."""
    if action is not Action.DECLINE:
        return None
    if not (reason or "").strip():
        raise ValidationProblems(
            [Problem(REASON_LOC, "enter the reason for declining: the requester is sent it")]
        )
    try:
        return DeclineBody.model_validate({"reason": reason}).reason
    except ValidationError as error:
        raise ValidationProblems(
            [
                Problem(
                    (REASON_LOC[0], *problem["loc"]),
                    problem["msg"].removeprefix("Value error, "),
                    problem["type"],
                )
                for problem in error.errors()
            ]
        ) from None


async def decide(
    session: AsyncSession,
    temporal: Client,
    principal: Principal,
    request_id: uuid.UUID,
    action: Action,
    reason: str | None = None,
) -> tuple[ChangeRequest, bool]:
    """Deliver a decision; returns the request and whether its outcome is already applied.
    Whoever may not take it hears that first (404, then 403), then a decline without its
    reason (422), then a request past that step (409)."""
    request = await load_visible(session, principal, request_id)
    _authorize(principal, request, action)
    reason = _reason(action, reason)
    if not request.status.is_open:
        raise Conflict(f"the request is past that step: it is {request.status.value}")
    comment_id = (
        await gateway.store_comment(
            session, request, CommentKind.DECLINE_REASON, reason, author_id=principal.user_id
        )
        if reason
        else None
    )
    # End the read transaction: waiting for the workflow must not hold a database snapshot.
    await session.commit()
    handle = temporal.get_workflow_handle(request.workflow_id, run_id=request.run_id)
    decision = Decision(actor=principal.actor, note_id=comment_id)
    settled = await gateway.decide(session, handle, _UPDATES[action], decision, comment_id)
    with after_the_decision():
        await session.refresh(request)
    return request, settled
