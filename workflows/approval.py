"""The approval stage: each side's approver is emailed a link and reminded until they decide.
All approving sends the request on to the service team; one rejection, or the deadline, closes
it and erases its data; the requester may cancel meanwhile."""

from collections.abc import Callable
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.approvals import ApprovalActivities
    from activities.customer_data import CustomerDataActivities
    from models.enums import ApprovalStatus, Audience, EmailEvent, RequestStatus, Side
    from models.payloads import (
        ApprovalState,
        ApprovalTimings,
        ApproverDecision,
        EraseRequest,
        OpenApprovals,
        RecordApproval,
        RequestStep,
    )
    from models.progress import waiting_for_approval
    from workflows.outbox import Outbox
    from workflows.steps import TELL_APPROVERS_OF_CLOSING, database_step, wait_until

ALREADY_DECIDED = "this approver has already decided"


class Approvals:
    """The approvers' decisions on one request. ``decision_arrived`` says the requester
    decided meanwhile, which ends the wait for the approvers."""

    def __init__(
        self,
        request_id: Callable[[], str],
        outbox: Outbox,
        *,
        show: Callable[[str], None],
        set_status: Callable[[RequestStatus], None],
        decision_arrived: Callable[[], bool],
    ) -> None:
        self._request_id = request_id
        self._outbox = outbox
        self._show = show
        self._set_status = set_status
        self._decision_arrived = decision_arrived
        self._statuses: dict[Side, ApprovalStatus] = {}
        self._deciding: set[Side] = set()
        self._rejection: ApproverDecision | None = None
        self._closing = False

    @property
    def sides(self) -> tuple[Side, ...]:
        return tuple(self._statuses)

    @property
    def closing(self) -> bool:
        """An approver rejected the request or its deadline passed: it closes unapproved."""
        return self._closing

    async def collect(
        self, sides: tuple[Side, ...], timings: ApprovalTimings
    ) -> RequestStatus | None:
        """IN_REVIEW once every side approved, the requester told; REJECTED or EXPIRED once
        the request is closed here; None when the requester decided first (recording that
        decision is the review's)."""
        reminder = timedelta(seconds=timings.approval_reminder_seconds)
        deadline = workflow.now() + timedelta(seconds=timings.approval_expiry_seconds)
        await database_step(
            ApprovalActivities.open_approvals,
            OpenApprovals(self._request_id(), sides, deadline, workflow.now()),
            "open the approvals and their links",
        )
        self._statuses = dict.fromkeys(sides, ApprovalStatus.PENDING)
        await self._outbox.tell_approvers(EmailEvent.APPROVAL_REQUEST, sides, "approval-{side}")
        rounds = 0
        while not self._wait_is_over():
            remaining = deadline - workflow.now()
            if remaining <= timedelta(0):
                return await self._close(RequestStatus.EXPIRED)
            self._show(waiting_for_approval(self._pending_sides()))
            if await wait_until(self._wait_is_over, min(reminder, remaining)):
                break
            if workflow.now() < deadline:
                rounds += 1
                await self._remind(rounds)
        if self._decision_arrived():
            return None
        if self._rejection is not None:
            return await self._close(RequestStatus.REJECTED)
        # In review here first, so that the service team can decide as soon as the database
        # says so.
        self._set_status(RequestStatus.IN_REVIEW)
        await database_step(
            ApprovalActivities.complete_approvals,
            RequestStep(self._request_id(), workflow.now()),
            "send the approved request to the service team",
        )
        await self._outbox.tell(EmailEvent.REQUEST_APPROVED, Audience.REQUESTER, "approved")
        return RequestStatus.IN_REVIEW

    def check(self, decision: ApproverDecision) -> None:
        """Refuse a decision this request does not take from that approver (part of the
        validator of each decision)."""
        if decision.side not in self._statuses:
            raise ApplicationError("no approval is asked of that side", type="NotAsked")
        if decision.side in self._deciding:
            raise ApplicationError(ALREADY_DECIDED, type="AlreadyDecided")

    async def record(self, decision: ApproverDecision) -> None:
        """Record an approver's decision; a rejection closes the request."""
        if decision.side in self._deciding:
            # Two clicks accepted in one workflow task both passed the validator: the first
            # decides, and this one is refused as the validator would have refused it.
            raise ApplicationError(ALREADY_DECIDED, type="AlreadyDecided")
        self._deciding.add(decision.side)
        status = ApprovalStatus.APPROVED if decision.approve else ApprovalStatus.REJECTED
        side = decision.side
        record = RecordApproval(
            self._request_id(), side, status, decision.comment_id, workflow.now()
        )
        step = f"record the {side.value} approver's decision"
        await database_step(ApprovalActivities.record_approval, record, step)
        self._statuses[decision.side] = status
        if not decision.approve and self._rejection is None:
            self._rejection = decision
            self._closing = True

    def states(self) -> list[ApprovalState]:
        return [ApprovalState(side, status) for side, status in self._statuses.items()]

    async def _close(self, outcome: RequestStatus) -> RequestStatus:
        """Rejected or expired: tell who needs to know, then erase what it brought in."""
        self._closing = True
        outbox = self._outbox
        if outcome is RequestStatus.REJECTED:
            assert self._rejection is not None
            comment, rejected = self._rejection.comment_id, EmailEvent.REQUEST_REJECTED
            await outbox.tell(rejected, Audience.REQUESTER, "rejected", comment)
            others = tuple(side for side in self._statuses if side is not self._rejection.side)
            await outbox.tell_approvers(rejected, others, "rejected-{side}", comment)
        else:
            expired = EmailEvent.REQUEST_EXPIRED
            await outbox.tell(expired, Audience.REQUESTER, "expired")
            if workflow.patched(TELL_APPROVERS_OF_CLOSING):
                await outbox.tell_approvers(expired, self.sides, "closed-{side}")
        # The emails are written from the data that the erasure removes.
        await outbox.all_sent()
        await database_step(
            CustomerDataActivities.erase_request,
            EraseRequest(self._request_id(), outcome, workflow.now()),
            f"record {outcome.value} and erase the request's data",
        )
        self._set_status(outcome)
        await workflow.wait_condition(workflow.all_handlers_finished)
        await outbox.all_sent()
        return outcome

    def _wait_is_over(self) -> bool:
        """Every side approved, one rejected, or the requester decided."""
        statuses = self._statuses.values()
        return (
            self._decision_arrived()
            or ApprovalStatus.REJECTED in statuses
            or all(status is ApprovalStatus.APPROVED for status in statuses)
        )

    def _pending_sides(self) -> tuple[Side, ...]:
        return tuple(s for s, status in self._statuses.items() if status is ApprovalStatus.PENDING)

    async def _remind(self, round_number: int) -> None:
        step = f"approval-reminder-{{side}}-{round_number}"
        await self._outbox.tell_approvers(EmailEvent.APPROVAL_REMINDER, self._pending_sides(), step)
