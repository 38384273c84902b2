"""The approval stage: named approvers decide through their own emailed links.

Each side's approver is emailed a link and reminded while they have not decided. Every side
approving sends the request on to the service team; one rejection, or the deadline passing,
ends it and erases its data; the requester may cancel meanwhile, which erases it too, as a
decline does. Approvers are told when the request they approved is implemented.
"""

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.approvals import ApprovalActivities
    from activities.customer_data import CustomerDataActivities
    from models.enums import ApprovalStatus, Audience, EmailEvent, RequestStatus, Side
    from models.payloads import (
        ApprovalState,
        ApproverDecision,
        EraseRequest,
        OpenApprovals,
        RecordApproval,
        RequestState,
        RequestStep,
    )
    from workflows.review import (
        PAST_THAT_STEP,
        ReviewedRequest,
        database_step,
        wait_until,
    )


ALREADY_DECIDED = "this approver has already decided"


class ApprovedRequest(ReviewedRequest):
    """A request that needs its approvers' decisions before the service team reviews it."""

    def __init__(self) -> None:
        super().__init__()
        self._approvals: dict[Side, ApprovalStatus] = {}
        self._deciding: set[Side] = set()
        self._rejection: ApproverDecision | None = None
        self._closing = False

    async def approve_then_review(
        self, sides: tuple[Side, ...], reminder: timedelta, expiry: timedelta
    ) -> RequestStatus:
        """The whole process after the ticket: approvals, then the service team's review."""
        outcome = await self.collect_approvals(sides, reminder, expiry)
        if outcome is not RequestStatus.IN_REVIEW:
            return await self.end_unapproved(outcome)
        await self.notify(EmailEvent.REQUEST_APPROVED, Audience.REQUESTER, "approved")
        outcome = await self.review()
        await self.forget_unapplied(outcome)
        return outcome

    async def collect_approvals(
        self, sides: tuple[Side, ...], reminder: timedelta, expiry: timedelta
    ) -> RequestStatus:
        """IN_REVIEW once every side approved; REJECTED or EXPIRED; CANCELLED by the requester."""
        deadline = workflow.now() + expiry
        await database_step(
            ApprovalActivities.open_approvals,
            OpenApprovals(self.request.request_id, sides, deadline, workflow.now()),
            "open the approvals and their links",
        )
        self._approvals = dict.fromkeys(sides, ApprovalStatus.PENDING)
        await asyncio.gather(
            *(
                self.notify(EmailEvent.APPROVAL_REQUEST, Audience.APPROVER, f"approval-{s}", side=s)
                for s in sides
            )
        )
        rounds = 0
        while not self._decided():
            remaining = deadline - workflow.now()
            if remaining <= timedelta(0):
                return RequestStatus.EXPIRED
            self._wait_for(f"approval by {self._pending_names()}")
            if await wait_until(self._decided, min(reminder, remaining)):
                break
            if workflow.now() < deadline:
                rounds += 1
                await self._remind(rounds)
        if self._decision is not None:
            return RequestStatus.CANCELLED
        if self._rejection is not None:
            return RequestStatus.REJECTED
        # In review here first, so that the service team can decide as soon as the database
        # says so.
        self._set_status(RequestStatus.IN_REVIEW)
        await database_step(
            ApprovalActivities.complete_approvals,
            RequestStep(self.request.request_id, workflow.now()),
            "send the approved request to the service team",
        )
        return RequestStatus.IN_REVIEW

    async def end_unapproved(self, outcome: RequestStatus) -> RequestStatus:
        """Close a request that will never reach the service team, telling who needs to know."""
        self._closing = True
        if outcome is RequestStatus.CANCELLED:
            await self.settle()
            await self.emails_delivered()
            await self.forget_unapplied(outcome)
            return outcome
        if outcome is RequestStatus.REJECTED:
            assert self._rejection is not None
            comment = self._rejection.comment_id
            await self.notify(EmailEvent.REQUEST_REJECTED, Audience.REQUESTER, "rejected", comment)
            others = [side for side in self._approvals if side is not self._rejection.side]
            await asyncio.gather(
                *(
                    self.notify(
                        EmailEvent.REQUEST_REJECTED,
                        Audience.APPROVER,
                        f"rejected-{side}",
                        comment,
                        side=side,
                    )
                    for side in others
                )
            )
        else:
            await self.notify(EmailEvent.REQUEST_EXPIRED, Audience.REQUESTER, "expired")
        # The emails are written from the data that the erasure removes.
        await self.emails_delivered()
        await database_step(
            CustomerDataActivities.erase_request,
            EraseRequest(self.request.request_id, outcome, workflow.now()),
            f"record {outcome.value} and erase the request's data",
        )
        self._set_status(outcome)
        self._settled = True
        self._wait_for("nothing: the request is closed")
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self.emails_delivered()
        return outcome

    async def settle(self) -> bool:
        settled = await super().settle()
        if (
            settled
            and self._status is RequestStatus.IMPLEMENTED
            and self._approvals
            and workflow.patched("tell-approvers-when-implemented")
        ):
            await asyncio.gather(
                *(
                    self.notify(
                        EmailEvent.REQUEST_IMPLEMENTED,
                        Audience.APPROVER,
                        f"implemented-{side}",
                        side=side,
                    )
                    for side in self._approvals
                )
            )
        return settled

    @workflow.update
    async def decide_approval(self, decision: ApproverDecision) -> RequestState:
        """An approver's decision, through their link; final once made."""
        if decision.side in self._deciding:
            # Two clicks accepted in one workflow task both passed the validator: the first
            # decides, and this one is refused as the validator would have refused it.
            raise ApplicationError(ALREADY_DECIDED, type="AlreadyDecided")
        self._deciding.add(decision.side)
        status = ApprovalStatus.APPROVED if decision.approve else ApprovalStatus.REJECTED
        await database_step(
            ApprovalActivities.record_approval,
            RecordApproval(
                self.request.request_id, decision.side, status, decision.comment_id, workflow.now()
            ),
            f"record the {decision.side.value} approver's decision",
        )
        self._approvals[decision.side] = status
        if not decision.approve and self._rejection is None:
            self._rejection = decision
        return self.status()

    @decide_approval.validator
    def _validate_decide_approval(self, decision: ApproverDecision) -> None:
        closed = self._closing or self._rejection is not None or self._decision is not None
        if self._status is not RequestStatus.AWAITING_APPROVAL or closed:
            raise ValueError(f"{PAST_THAT_STEP}: it is no longer awaiting approval")
        if decision.side not in self._approvals:
            raise ValueError("no approval is asked of that side")
        if decision.side in self._deciding:
            raise ValueError(ALREADY_DECIDED)

    def approval_states(self) -> list[ApprovalState]:
        return [ApprovalState(side, status) for side, status in self._approvals.items()]

    def _decided(self) -> bool:
        statuses = self._approvals.values()
        return (
            self._decision is not None
            or ApprovalStatus.REJECTED in statuses
            or all(status is ApprovalStatus.APPROVED for status in statuses)
        )

    def _pending_names(self) -> str:
        pending = [s for s, status in self._approvals.items() if status is ApprovalStatus.PENDING]
        return " and ".join(f"the {side.value}'s approver" for side in pending)

    async def _remind(self, round_number: int) -> None:
        pending = [s for s, status in self._approvals.items() if status is ApprovalStatus.PENDING]
        await asyncio.gather(
            *(
                self.notify(
                    EmailEvent.APPROVAL_REMINDER,
                    Audience.APPROVER,
                    f"approval-reminder-{side}-{round_number}",
                    side=side,
                )
                for side in pending
            )
        )
