"""Purchaser addition: both organisations' approvers sign off, then the service team."""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.customer_data import CustomerDataActivities
    from models.enums import Audience, EmailEvent, RequestStatus, Side
    from models.payloads import ApplyPurchaserAddition, Decision, PurchaserAdditionInput
    from workflows.request import RequestWorkflow
    from workflows.steps import database_step


@workflow.defn
class PurchaserAdditionWorkflow(RequestWorkflow):
    """States: awaiting_approval, then in_review, then implemented, declined or cancelled;
    or rejected or expired straight from awaiting_approval. Unless implemented, its data is
    erased once its last emails have gone."""

    def __init__(self) -> None:
        super().__init__()
        self._input: PurchaserAdditionInput | None = None

    @workflow.run
    async def run(self, request: PurchaserAdditionInput) -> RequestStatus:
        self._input = request
        self.begin(request, RequestStatus.AWAITING_APPROVAL)
        await self.raise_ticket()
        outcome = await self.approvals.collect(
            (Side.CUSTOMER, Side.PURCHASER),
            reminder=timedelta(seconds=request.approval_reminder_seconds),
            expiry=timedelta(seconds=request.approval_expiry_seconds),
        )
        if outcome is RequestStatus.IN_REVIEW:
            await self.tell(EmailEvent.REQUEST_APPROVED, Audience.REQUESTER, "approved")
            outcome = await self.review.run(self.add_purchaser)
        await self.forget_unapplied(outcome)
        return outcome

    async def add_purchaser(self, decision: Decision) -> int | None:
        """Assign the purchaser and welcome its contacts, or return it to the service team."""
        assert self._input is not None
        result = await database_step(
            CustomerDataActivities.apply_purchaser_addition,
            ApplyPurchaserAddition(
                request_id=self._input.request_id,
                actor=decision.actor,
                at=workflow.now(),
                activation_expiry_seconds=self._input.activation_expiry_seconds,
            ),
            "add the purchaser and its contacts",
        )
        if not result.applied:
            return result.comment_id
        await self.welcome(result.new_contact_ids)
        return None
