"""Purchaser removal: the customer's approver signs off, then the service team confirms
once the legal paperwork is signed."""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.customer_data import CustomerDataActivities
    from models.enums import Audience, EmailEvent, RequestStatus, Side
    from models.payloads import ApplyPurchaserRemoval, Decision, PurchaserRemovalInput
    from workflows.request import RequestWorkflow
    from workflows.steps import database_step


@workflow.defn
class PurchaserRemovalWorkflow(RequestWorkflow):
    """States: awaiting_approval, then in_review, then implemented, declined or cancelled;
    or rejected or expired straight from awaiting_approval. Unless implemented, its data is
    erased once its last emails have gone."""

    def __init__(self) -> None:
        super().__init__()
        self._input: PurchaserRemovalInput | None = None

    @workflow.run
    async def run(self, request: PurchaserRemovalInput) -> RequestStatus:
        self._input = request
        self.begin(request, RequestStatus.AWAITING_APPROVAL)
        await self.raise_ticket()
        outcome = await self.approvals.collect(
            (Side.CUSTOMER,),
            reminder=timedelta(seconds=request.approval_reminder_seconds),
            expiry=timedelta(seconds=request.approval_expiry_seconds),
        )
        if outcome is RequestStatus.IN_REVIEW:
            await self.tell(EmailEvent.REQUEST_APPROVED, Audience.REQUESTER, "approved")
            outcome = await self.review.run(self.remove_purchaser)
        await self.forget_unapplied(outcome)
        return outcome

    async def remove_purchaser(self, decision: Decision) -> int | None:
        """Remove the purchaser and its contacts, or return it to the service team."""
        assert self._input is not None
        result = await database_step(
            CustomerDataActivities.apply_purchaser_removal,
            ApplyPurchaserRemoval(
                request_id=self._input.request_id,
                actor=decision.actor,
                at=workflow.now(),
                required_roles=self._input.required_roles,
            ),
            "remove the purchaser and its contacts",
        )
        return None if result.applied else result.comment_id
