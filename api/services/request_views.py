"""The "existing versus requested" view of a request, per kind."""

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from models.customer import Customer
from models.enums import RequestKind
from models.profile_change import ProfileChangeCreate
from models.request import ChangeRequest, RequestPublic


async def _profile_view(
    session: AsyncSession, request: ChangeRequest
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    customer = await session.get(Customer, request.customer_id)
    existing = customer.profile().model_dump(mode="json") if customer else None
    requested = (
        ProfileChangeCreate.model_validate(request.requested).effective().model_dump(mode="json")
        if request.requested is not None
        else None
    )
    return existing, requested


_VIEWS = {RequestKind.PROFILE_CHANGE: _profile_view}


async def present(session: AsyncSession, request: ChangeRequest) -> RequestPublic:
    existing, requested = await _VIEWS[request.kind](session, request)
    return RequestPublic(
        id=request.id,
        kind=request.kind,
        status=request.status,
        customer_id=request.customer_id,
        ticket_number=request.ticket_number,
        existing=existing,
        requested=requested,
        approvals=[],
        created_at=request.created_at,
        updated_at=request.updated_at,
    )
