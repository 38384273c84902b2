"""Audit events are written in the same transaction as the change they describe."""

import uuid
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.exceptions import ApplicationError

from models.audit import AuditEvent
from models.request import ChangeRequest


def record(
    session: AsyncSession,
    request: ChangeRequest,
    action: str,
    at: datetime,
    actor: str = "system",
    **detail: Any,
) -> None:
    session.add(
        AuditEvent(
            customer_id=request.customer_id,
            request_id=request.id,
            actor=actor,
            action=action,
            detail=detail,
            at=at,
        )
    )


async def load_request(session: AsyncSession, request_id: str) -> ChangeRequest:
    """The request row, locked for the rest of the transaction where the database can."""
    request = await session.get(ChangeRequest, uuid.UUID(request_id), with_for_update=True)
    if request is None:
        raise ApplicationError(
            f"change request {request_id} does not exist", type="RequestMissing", non_retryable=True
        )
    return request
