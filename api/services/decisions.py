"""Delivering the decisions people make on a request: cancel, implement, decline."""

import uuid
from enum import StrEnum

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import (
    Client,
)

from api import gateway
from api.errors import (
    Conflict,
    Forbidden,
    after_the_decision,
)
from api.identity import Principal, require_staff
from api.services.request_views import load_visible
from models.access import may_cancel, may_implement
from models.enums import CommentKind
from models.payloads import (
    Decision,
)
from models.queries import active_team_size
from models.request import ChangeRequest, DeclineBody
from workflows.request import RequestWorkflow


class Action(StrEnum):
    IMPLEMENT = "implement"
    DECLINE = "decline"
    CANCEL = "cancel"


_UPDATES = {
    Action.IMPLEMENT: RequestWorkflow.implement,
    Action.DECLINE: RequestWorkflow.decline,
    Action.CANCEL: RequestWorkflow.cancel,
}


async def _authorize(
    session: AsyncSession, principal: Principal, request: ChangeRequest, action: Action
) -> None:
    if action is Action.CANCEL:
        if not may_cancel(principal, request.customer_id, request.requester_id):
            raise Forbidden("only the requester, Management or Cust Admin may cancel")
        return
    require_staff(principal)
    if action is Action.IMPLEMENT and not may_implement(
        principal, request.requester_id, await active_team_size(session)
    ):
        raise Forbidden(
            "you filed this request for the customer: another member of the team implements it"
        )


def _reason(action: Action, reason: str | None) -> str | None:
    """A decline's reason, read as the API's schema (the requester is sent it): refused as
    the API refuses a body (422). The other decisions carry none."""
    if action is not Action.DECLINE:
        return None
    body = {"reason": reason or ""}
    try:
        return DeclineBody.model_validate(body).reason
    except ValidationError as error:
        problems = [{**problem, "loc": ("body", *problem["loc"])} for problem in error.errors()]
        raise RequestValidationError(problems, body=body) from None


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
    await _authorize(session, principal, request, action)
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
    decision = Decision(actor=principal.actor, note_id=comment_id)
    settled = await gateway.decide(
        session, temporal, request, _UPDATES[action], decision, comment_id
    )
    with after_the_decision():
        await session.refresh(request)
    return request, settled
