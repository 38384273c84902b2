"""Contact change: a batch of edits to the customer's contacts and their roles; a change
to the purchaser's side is approved by the purchaser first."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.customer_data import CustomerDataActivities
    from models.contact_change import ApplyContactChange, ContactChangeInput
    from models.enums import RequestStatus
    from workflows.request import RequestWorkflow
    from workflows.steps import ApplyStep

# Revalidated against the contacts as they are then: a batch that no longer fits goes back
# to the service team. New contacts are welcomed.
CHANGE_CONTACTS = ApplyStep(
    CustomerDataActivities.apply_contact_change, ApplyContactChange, "apply the contact changes"
)


@workflow.defn
class ContactChangeWorkflow(RequestWorkflow):
    """States: in_review, then implemented, declined or cancelled. A batch that changes the
    purchaser's side starts awaiting_approval by the purchaser, and may end rejected or
    expired there. A batch never applied forgets the contacts and details it brought."""

    @workflow.run
    async def run(self, request: ContactChangeInput) -> RequestStatus:
        if not request.approval_sides:
            self.begin(request, RequestStatus.IN_REVIEW)
            await self.raise_ticket()
            return await self.reviewed(CHANGE_CONTACTS)
        self.begin(request, RequestStatus.AWAITING_APPROVAL)
        await self.raise_ticket()
        return await self.approved_then_reviewed(request.approval_sides, request, CHANGE_CONTACTS)
