"""Purchaser addition: both organisations' approvers sign off, then the service team."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.customer_data import CustomerDataActivities
    from models.enums import RequestStatus, Side
    from models.purchaser_addition import ApplyPurchaserAddition, PurchaserAdditionInput
    from workflows.request import RequestWorkflow
    from workflows.steps import ApplyStep

# The purchaser assigned, its contacts created and welcomed, the roles of its responsibility
# moved off the customer's contacts.
ADD_PURCHASER = ApplyStep(
    CustomerDataActivities.apply_purchaser_addition,
    ApplyPurchaserAddition,
    "add the purchaser and its contacts",
)


@workflow.defn
class PurchaserAdditionWorkflow(RequestWorkflow):
    """States: awaiting_approval, then in_review, then implemented, declined or cancelled;
    or rejected or expired straight from awaiting_approval. Unless implemented, its data is
    erased once its last emails have gone."""

    @workflow.run
    async def run(self, request: PurchaserAdditionInput) -> RequestStatus:
        self.begin(request, RequestStatus.AWAITING_APPROVAL)
        await self.raise_ticket()
        both = (Side.CUSTOMER, Side.PURCHASER)
        return await self.approved_then_reviewed(both, request, ADD_PURCHASER)
