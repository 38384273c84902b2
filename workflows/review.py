"""The service team's review, the stage every process ends with: wait for the service team
to implement or decline (reminding them) or the requester to cancel, apply the outcome, tell
the requester. A change that no longer fits the data goes back to the service team."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.customer_data import CustomerDataActivities
    from models.enums import Audience, EmailEvent, RequestStatus, Side
    from models.payloads import CloseRequest, Decision, RequestInput, apply_command
    from models.progress import waiting_for_outcome, waiting_for_service_team
    from workflows.outbox import Outbox
    from workflows.steps import (
        TELL_APPROVERS_OF_CLOSING,
        TELL_APPROVERS_WHEN_IMPLEMENTED,
        TELL_CONTACTS_OF_MOVED_ROLES,
        ApplyStep,
        database_step,
        wait_until,
    )


OUTCOME_EMAILS = {
    RequestStatus.IMPLEMENTED: EmailEvent.REQUEST_IMPLEMENTED,
    RequestStatus.DECLINED: EmailEvent.REQUEST_DECLINED,
    RequestStatus.CANCELLED: EmailEvent.REQUEST_CANCELLED,
}


class Review:
    """The decision on one request by its service team (or its requester's cancellation).
    ``request`` reads the request's input once the run has begun; ``approvers`` are the sides
    whose approvers are told how it ended."""

    def __init__(
        self,
        request: Callable[[], RequestInput],
        outbox: Outbox,
        *,
        show: Callable[[str], None],
        set_status: Callable[[RequestStatus], None],
        ticket_number: Callable[[], str | None],
        approvers: Callable[[], tuple[Side, ...]],
    ) -> None:
        self._request = request
        self._outbox = outbox
        self._show = show
        self._set_status = set_status
        self._ticket_number = ticket_number
        self._approvers = approvers
        self._decision: tuple[RequestStatus, Decision] | None = None
        self._closed_as: RequestStatus | None = None
        self._reminders = 0
        self._returns = 0

    @property
    def decision_arrived(self) -> bool:
        """A decision has come (the requester may cancel while approvals are collected)."""
        return self._decision is not None

    async def run(self, change: ApplyStep) -> RequestStatus:
        """Until the request is closed: wait for a decision, apply the change for one that
        implements it (back to the service team if it no longer fits), tell the requester."""
        self._set_status(RequestStatus.IN_REVIEW)
        while True:
            await self._service_team_decides()
            assert self._decision is not None
            outcome, decision = self._decision
            if outcome is not RequestStatus.IMPLEMENTED:
                await self.close_as_decided()
                break
            self._show(waiting_for_outcome(outcome))
            why_not = await self._apply(change, decision)
            if why_not is None:
                await self._close(outcome, decision)
                break
            await self._back_to_service_team(why_not)
        await self._outbox.all_sent()
        return outcome

    async def close_as_decided(self) -> RequestStatus:
        """Record the decline or cancellation that came, and tell the requester."""
        assert self._decision is not None
        outcome, decision = self._decision
        self._show(waiting_for_outcome(outcome))
        request_id = self._request().request_id
        close = CloseRequest(request_id, outcome, decision.actor, workflow.now(), decision.note_id)
        await database_step(CustomerDataActivities.close_request, close, f"record {outcome.value}")
        await self._close(outcome, decision)
        return outcome

    async def decide(self, outcome: RequestStatus, decision: Decision) -> None:
        """A decision: done once the request is closed by it; refused if the change went back
        to the service team instead."""
        mine = (outcome, decision)
        self._decision = mine
        await workflow.wait_condition(
            lambda: self._closed_as is not None or self._decision is not mine
        )
        if self._closed_as is None:
            raise ApplicationError(
                f"the change can no longer be applied as it stands; the reasons are on ticket "
                f"{self._ticket_number()} and the request is back with the service team",
                type="ChangeReturned",
            )

    async def _apply(self, change: ApplyStep, decision: Decision) -> int | None:
        """Apply the change and welcome its new contacts; or the id of the ticket comment
        that says why it no longer fits."""
        command: Any = apply_command(
            change.command, self._request(), decision.actor, workflow.now()
        )
        result = await database_step(change.step, command, change.summary)
        if result is None:
            return None
        if not result.applied:
            return result.comment_id
        await self._outbox.welcome(result.new_contact_ids)
        if result.roles_moved_from and workflow.patched(TELL_CONTACTS_OF_MOVED_ROLES):
            moved = EmailEvent.ROLES_MOVED
            await self._outbox.tell_contacts(moved, result.roles_moved_from, "moved-{contact}")
        return None

    async def _service_team_decides(self) -> None:
        self._show(waiting_for_service_team(self._ticket_number()))
        reminder = timedelta(seconds=self._request().review_reminder_seconds)
        while not await wait_until(lambda: self._decision is not None, reminder):
            self._reminders += 1
            await self._outbox.tell(
                EmailEvent.REVIEW_REMINDER,
                Audience.SERVICE_TEAM,
                f"review-reminder-{self._reminders}",
            )

    async def _back_to_service_team(self, why_not: int) -> None:
        """The requester is sent the comment saying why the change no longer fits."""
        self._returns += 1
        self._decision = None
        await self._outbox.tell(
            EmailEvent.REQUEST_RETURNED,
            Audience.REQUESTER,
            f"returned-{self._returns}",
            comment_id=why_not,
        )

    async def _close(self, outcome: RequestStatus, decision: Decision) -> None:
        """The outcome stands: tell the requester, then the approvers it had."""
        self._closed_as = outcome
        self._set_status(outcome)
        await self._outbox.tell(
            OUTCOME_EMAILS[outcome], Audience.REQUESTER, "outcome", comment_id=decision.note_id
        )
        await workflow.wait_condition(workflow.all_handlers_finished)
        sides = self._approvers()
        if not sides:
            return
        if outcome is RequestStatus.IMPLEMENTED:
            if workflow.patched(TELL_APPROVERS_WHEN_IMPLEMENTED):
                implemented = EmailEvent.REQUEST_IMPLEMENTED
                await self._outbox.tell_approvers(implemented, sides, "implemented-{side}")
        elif workflow.patched(TELL_APPROVERS_OF_CLOSING):
            await self._outbox.tell_approvers(OUTCOME_EMAILS[outcome], sides, "closed-{side}")
