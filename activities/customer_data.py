"""Changes to the customer's master data, each applied in one transaction."""

from datetime import datetime

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.audit import load_request, record
from models.customer import Customer
from models.database import SessionFactory, transaction
from models.enums import RequestStatus
from models.payloads import ApplyChange, CloseRequest
from models.profile_change import ProfileChangeCreate
from models.request import ChangeRequest


def _already(request: ChangeRequest, status: RequestStatus) -> bool:
    """True when this outcome was applied before (a retry); refuses any other closed state."""
    if request.status is status:
        return True
    if not request.status.is_open:
        raise ApplicationError(
            f"request {request.id} is already {request.status.value}",
            type="RequestClosed",
            non_retryable=True,
        )
    return False


class CustomerDataActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @activity.defn
    async def apply_profile_change(self, command: ApplyChange) -> None:
        async with transaction(self._sessions) as session:
            request = await load_request(session, command.request_id)
            if _already(request, RequestStatus.IMPLEMENTED):
                return
            customer = await session.get(Customer, request.customer_id, with_for_update=True)
            if customer is None or request.requested is None:
                raise ApplicationError(
                    "customer or requested data missing", type="DataMissing", non_retryable=True
                )
            change = ProfileChangeCreate.model_validate(request.requested)
            customer.set_profile(change.effective(), command.at)
            _close(request, RequestStatus.IMPLEMENTED, command.at)
            record(session, request, "implemented", command.at, actor=command.actor)

    @activity.defn
    async def close_request(self, command: CloseRequest) -> None:
        """Record a decline or cancellation (the decline reason is already on the ticket)."""
        async with transaction(self._sessions) as session:
            request = await load_request(session, command.request_id)
            if _already(request, command.status):
                return
            _close(request, command.status, command.at)
            record(
                session,
                request,
                command.status.value,
                command.at,
                actor=command.actor,
                note=command.note_id,
            )


def _close(request: ChangeRequest, status: RequestStatus, at: datetime) -> None:
    request.status = status
    request.updated_at = at
    request.closed_at = at
