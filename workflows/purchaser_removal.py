"""Purchaser removal: the customer's approver signs off, then the service team confirms
once the legal paperwork is signed."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.customer_data import CustomerDataActivities
    from models.enums import RequestStatus, Side
    from models.purchaser_removal import ApplyPurchaserRemoval, PurchaserRemovalInput
    from workflows.request import RequestWorkflow
    from workflows.steps import ApplyStep

# The purchaser and its contacts gone (their personal data erased), its required roles
# given back to the customer's contacts as the form asks.
REMOVE_PURCHASER = ApplyStep(
    CustomerDataActivities.apply_purchaser_removal,
    ApplyPurchaserRemoval,
    "remove the purchaser and its contacts",
)


@workflow.defn
class PurchaserRemovalWorkflow(RequestWorkflow):
    """States: awaiting_approval, then in_review, then implemented, declined or cancelled;
    or rejected or expired straight from awaiting_approval. Unless implemented, its data is
    erased once its last emails have gone."""

    @workflow.run
    async def run(self, request: PurchaserRemovalInput) -> RequestStatus:
        self.begin(request, RequestStatus.AWAITING_APPROVAL)
        await self.raise_ticket()
        return await self.approved_then_reviewed((Side.CUSTOMER,), request, REMOVE_PURCHASER)
