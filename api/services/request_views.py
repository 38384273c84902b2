"""A request as it is shown: its kind's details (existing and requested) and approvals."""

import uuid

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.errors import (
    NotFound,
)
from api.identity import Principal
from api.kinds import kind_api
from models.access import sees_requests
from models.approval import Approval
from models.customer import CustomerPublic
from models.enums import RequestKind
from models.request import ApprovalPublic, ChangeRequest, RequestPublic
from telemetry import CHANGE_REQUEST_ID


async def present(session: AsyncSession, request: ChangeRequest) -> RequestPublic:
    existing, requested = await kind_api(request.kind).details(session, request)
    approvals = await session.exec(
        select(Approval).where(Approval.request_id == request.id).order_by(col(Approval.id))
    )
    return RequestPublic.model_validate(
        {
            **request.model_dump(),
            "existing": existing,
            "requested": requested,
            "approvals": [
                ApprovalPublic(side=approval.side.value, status=approval.status.value)
                for approval in approvals
            ],
        }
    )


async def open_of_kind(
    session: AsyncSession, customer: CustomerPublic, kind: RequestKind
) -> RequestPublic | None:
    """The customer's open request of ``kind`` as its page shows it, if it has one."""
    found = next((r for r in customer.open_requests if r.kind is kind), None)
    if found is None:
        return None
    return await present(session, await session.get_one(ChangeRequest, found.id))


async def load_visible(
    session: AsyncSession, principal: Principal, request_id: uuid.UUID
) -> ChangeRequest:
    request = await session.get(ChangeRequest, request_id)
    if request is None or not sees_requests(principal, request.customer_id):
        raise NotFound("request not found")
    CHANGE_REQUEST_ID.set(str(request.id))
    return request
