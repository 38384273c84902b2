"""Profile change: the customer's legal and payment name and address."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.customer_data import CustomerDataActivities
    from models.enums import RequestStatus
    from models.payloads import ApplyChange, Decision, RequestInput
    from workflows.request import RequestWorkflow
    from workflows.steps import database_step


@workflow.defn
class ProfileChangeWorkflow(RequestWorkflow):
    """States: in_review, then implemented, declined or cancelled."""

    @workflow.run
    async def run(self, request: RequestInput) -> RequestStatus:
        self.begin(request, RequestStatus.IN_REVIEW)
        await self.raise_ticket()
        return await self.review.run(self.write_profile)

    async def write_profile(self, decision: Decision) -> int | None:
        await database_step(
            CustomerDataActivities.apply_profile_change,
            ApplyChange(
                request_id=self.request.request_id, actor=decision.actor, at=workflow.now()
            ),
            "apply the profile change",
        )
        return None
