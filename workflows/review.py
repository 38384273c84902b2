"""The service team's review, the stage every process ends with: wait for the service team
to implement or decline (reminding them) or the requester to cancel, apply the outcome, tell
the requester. A change that no longer fits the data goes back to the service team."""

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.customer_data import CustomerDataActivities
    from models.enums import Audience, EmailEvent, RequestStatus
    from models.payloads import CloseRequest, Decision, RequestState, apply_command
    from workflows.stage import Stage
    from workflows.steps import (
        TELL_APPROVERS_OF_CLOSING,
        TELL_APPROVERS_WHEN_IMPLEMENTED,
        TELL_CONTACTS_OF_MOVED_ROLES,
        Change,
        database_step,
        wait_until,
    )

if TYPE_CHECKING:
    from workflows.request import RequestWorkflow


OUTCOME_EMAILS = {
    RequestStatus.IMPLEMENTED: EmailEvent.REQUEST_IMPLEMENTED,
    RequestStatus.DECLINED: EmailEvent.REQUEST_DECLINED,
    RequestStatus.CANCELLED: EmailEvent.REQUEST_CANCELLED,
}
PAST_THAT_STEP = "the request is past that step"


class Review:
    def __init__(self, request: "RequestWorkflow") -> None:
        self._request = request
        self._decision: tuple[RequestStatus, Decision] | None = None
        self._reminders = 0
        self._returns = 0

    @property
    def decision_arrived(self) -> bool:
        """A decision has come (the requester may cancel while approvals are collected)."""
        return self._decision is not None

    async def run(self, change: Change) -> RequestStatus:
        """Until the request is closed: wait for a decision, apply the change for one that
        implements it (back to the service team if it no longer fits), tell the requester."""
        request = self._request
        request.set_status(RequestStatus.IN_REVIEW)
        while True:
            await self._service_team_decides()
            assert self._decision is not None
            outcome, decision = self._decision
            if outcome is not RequestStatus.IMPLEMENTED:
                await self.close_as_decided()
                break
            request.show_waiting_for("the implemented outcome to be recorded")
            why_not = await self._apply(change, decision)
            if why_not is None:
                await self._closed(outcome, decision)
                break
            await self._returned(why_not)
        await request.outbox.all_sent()
        return request.reported_status

    async def close_as_decided(self) -> None:
        """Record the decline or cancellation that came, and tell the requester."""
        assert self._decision is not None
        outcome, decision = self._decision
        self._request.show_waiting_for(f"the {outcome.value} outcome to be recorded")
        request_id = self._request.request.request_id
        close = CloseRequest(request_id, outcome, decision.actor, workflow.now(), decision.note_id)
        await database_step(CustomerDataActivities.close_request, close, f"record {outcome.value}")
        await self._closed(outcome, decision)

    def check(self, *stages: Stage) -> None:
        """Refuse a decision the request is past (the validator of each decision)."""
        if self._request.stage not in stages:
            status = self._request.reported_status.value
            raise ApplicationError(f"{PAST_THAT_STEP}: it is {status}", type="PastThatStep")

    async def decided(self, outcome: RequestStatus, decision: Decision) -> RequestState:
        """A decision: answered once the request is closed by it, or refused if the change
        went back to the service team instead."""
        request = self._request
        mine = (outcome, decision)
        self._decision = mine
        await workflow.wait_condition(
            lambda: request.stage is Stage.CLOSED or self._decision is not mine
        )
        if request.stage is not Stage.CLOSED:
            raise ApplicationError(
                f"the change can no longer be applied as it stands; the reasons are on ticket "
                f"{request.ticket_number} and the request is back with the service team",
                type="ChangeReturned",
            )
        return request.status()

    async def _apply(self, change: Change, decision: Decision) -> int | None:
        """Apply the change and welcome its new contacts; or the id of the ticket comment
        that says why it no longer fits."""
        request = self._request
        command: Any = apply_command(
            change.command, request.request, decision.actor, workflow.now()
        )
        result = await database_step(change.step, command, change.summary)
        if result is None:
            return None
        if not result.applied:
            return result.comment_id
        await request.outbox.welcome(result.new_contact_ids)
        if result.roles_moved_from and workflow.patched(TELL_CONTACTS_OF_MOVED_ROLES):
            moved = EmailEvent.ROLES_MOVED
            await request.outbox.tell_contacts(moved, result.roles_moved_from, "moved-{contact}")
        return None

    async def _service_team_decides(self) -> None:
        request = self._request
        request.show_waiting_for(
            f"the service team to implement or decline ticket {request.ticket_number}"
        )
        reminder = timedelta(seconds=request.request.review_reminder_seconds)
        while not await wait_until(lambda: self._decision is not None, reminder):
            self._reminders += 1
            await request.outbox.tell(
                EmailEvent.REVIEW_REMINDER,
                Audience.SERVICE_TEAM,
                f"review-reminder-{self._reminders}",
            )

    async def _returned(self, why_not: int) -> None:
        """Back to the service team; the requester is sent the comment saying why."""
        self._returns += 1
        self._decision = None
        await self._request.outbox.tell(
            EmailEvent.REQUEST_RETURNED,
            Audience.REQUESTER,
            f"returned-{self._returns}",
            comment_id=why_not,
        )

    async def _closed(self, outcome: RequestStatus, decision: Decision) -> None:
        """The outcome stands: tell the requester, and the approvers of one implemented."""
        request = self._request
        request.closed(outcome)
        await request.outbox.tell(
            OUTCOME_EMAILS[outcome], Audience.REQUESTER, "outcome", comment_id=decision.note_id
        )
        await workflow.wait_condition(workflow.all_handlers_finished)
        sides = request.approvals.sides
        if not sides:
            return
        if outcome is RequestStatus.IMPLEMENTED:
            if workflow.patched(TELL_APPROVERS_WHEN_IMPLEMENTED):
                implemented = EmailEvent.REQUEST_IMPLEMENTED
                await request.outbox.tell_approvers(implemented, sides, "implemented-{side}")
        elif workflow.patched(TELL_APPROVERS_OF_CLOSING):
            await request.outbox.tell_approvers(OUTCOME_EMAILS[outcome], sides, "closed-{side}")
