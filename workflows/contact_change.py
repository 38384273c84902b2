"""Contact change: a batch of edits to the customer's contacts and their roles; a change
to the purchaser's side is approved by the purchaser first."""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.customer_data import CustomerDataActivities
    from models.enums import Audience, EmailEvent, RequestStatus
    from models.payloads import ApplyContactChange, ContactChangeInput, Decision
    from workflows.request import RequestWorkflow
    from workflows.steps import database_step


@workflow.defn
class ContactChangeWorkflow(RequestWorkflow):
    """States: in_review, then implemented, declined or cancelled. A batch that changes the
    purchaser's side starts awaiting_approval by the purchaser, and may end rejected or
    expired there.

    Implementing revalidates the batch against the contacts as they are then; a batch that no
    longer fits stays in_review, back with the service team. New contacts are welcomed; a
    batch never applied forgets the contacts and details it brought.
    """

    def __init__(self) -> None:
        super().__init__()
        self._input: ContactChangeInput | None = None

    @workflow.run
    async def run(self, request: ContactChangeInput) -> RequestStatus:
        self._input = request
        if not request.approval_sides:
            self.begin(request, RequestStatus.IN_REVIEW)
            await self.raise_ticket()
            outcome = await self.review.run(self.change_contacts)
            await self.forget_unapplied(outcome)
            return outcome
        self.begin(request, RequestStatus.AWAITING_APPROVAL)
        await self.raise_ticket()
        outcome = await self.approvals.collect(
            request.approval_sides,
            reminder=timedelta(seconds=request.approval_reminder_seconds),
            expiry=timedelta(seconds=request.approval_expiry_seconds),
        )
        if outcome is RequestStatus.IN_REVIEW:
            await self.tell(EmailEvent.REQUEST_APPROVED, Audience.REQUESTER, "approved")
            outcome = await self.review.run(self.change_contacts)
        await self.forget_unapplied(outcome)
        return outcome

    async def change_contacts(self, decision: Decision) -> int | None:
        """Apply the batch and welcome the new contacts, or return it to the service team."""
        assert self._input is not None
        result = await database_step(
            CustomerDataActivities.apply_contact_change,
            ApplyContactChange(
                request_id=self._input.request_id,
                actor=decision.actor,
                at=workflow.now(),
                required_roles=self._input.required_roles,
                activation_expiry_seconds=self._input.activation_expiry_seconds,
            ),
            "apply the contact changes",
        )
        if not result.applied:
            return result.comment_id
        await self.welcome(result.new_contact_ids)
        return None
