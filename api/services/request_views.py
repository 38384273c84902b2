"""A request as it is shown: its kind's details (existing and requested) and approvals."""

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.kinds import kind_api
from models.approval import Approval
from models.customer import CustomerPublic
from models.enums import RequestKind
from models.request import ApprovalPublic, ChangeRequest, RequestPublic


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
