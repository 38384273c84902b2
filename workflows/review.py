"""The service-team review stage that every process ends with.

Raise the ticket and tell the requester its number; wait for the service team to implement
or decline (reminding them while they have not) or for the requester to cancel; apply the
outcome in one activity; tell the requester. A change that no longer fits the data when
it is applied goes back to the service team, and the requester is told why.
"""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.customer_data import CustomerDataActivities
    from activities.email import EmailActivities
    from activities.tickets import TicketActivities
    from models.enums import Audience, EmailEvent, RequestStatus, Side
    from models.payloads import (
        ApprovalState,
        CloseRequest,
        CommentNotice,
        Decision,
        EraseRequest,
        Notification,
        RaiseTicket,
        RequestInput,
        RequestState,
    )
    from workflows.search_attributes import REQUEST_STATUS, TICKET_NUMBER

DATABASE_TIMEOUT = timedelta(seconds=30)
DATABASE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)
)
EMAIL_TIMEOUT = timedelta(seconds=30)
# SMTP can be down for a while: keep trying, but back off to one attempt every 10 minutes.
EMAIL_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=10)
)

# Runs begun before database steps became local activities replay without this marker and
# keep their regular activities; so does the status they upserted even when unchanged.
LOCAL_DATABASE_STEPS = "local-database-steps"
# Runs begun before emails went out in the background replay without this marker and keep
# waiting for each email where it is sent.
EMAILS_IN_BACKGROUND = "emails-in-background"
# Runs begun before a declined or cancelled request erased the people it brought in replay
# without this marker and end after their last email.
ERASE_UNAPPLIED = "erase-unapplied-requests"

OUTCOME_EMAILS = {
    RequestStatus.IMPLEMENTED: EmailEvent.REQUEST_IMPLEMENTED,
    RequestStatus.DECLINED: EmailEvent.REQUEST_DECLINED,
    RequestStatus.CANCELLED: EmailEvent.REQUEST_CANCELLED,
}
PAST_THAT_STEP = "the request is past that step"


class ReviewedRequest:
    """Base of every request workflow: the review stage, its messages and the status query.

    Subclasses define ``run`` (decorated) and ``apply_change``.
    """

    def __init__(self) -> None:
        self._request: RequestInput | None = None
        self._status = RequestStatus.IN_REVIEW
        self._ticket_number: str | None = None
        self._waiting_for = ""
        self._decision: tuple[RequestStatus, Decision] | None = None
        self._settled = False
        self._reminders_sent = 0
        self._returns = 0
        self._emails: asyncio.Task[None] | None = None

    @property
    def request(self) -> RequestInput:
        assert self._request is not None, "begin() not called"
        return self._request

    def begin(self, request: RequestInput, status: RequestStatus) -> None:
        self._request = request
        self._status = status

    async def raise_ticket(self) -> None:
        self._wait_for("the ticket to be raised")
        self._ticket_number = await database_step(
            TicketActivities.raise_ticket,
            RaiseTicket(request_id=self.request.request_id, at=workflow.now()),
            "raise the ticket",
        )
        workflow.upsert_search_attributes([TICKET_NUMBER.value_set(self._ticket_number)])
        await self.notify(EmailEvent.REQUEST_RECEIVED, Audience.REQUESTER, "received")

    async def review(self) -> RequestStatus:
        """Wait for the service team or the requester, apply the outcome, tell the requester."""
        self._set_status(RequestStatus.IN_REVIEW)
        while True:
            await self._await_decision()
            if await self.settle():
                await self.emails_delivered()
                return self._status

    async def _await_decision(self) -> None:
        self._wait_for(f"the service team to implement or decline ticket {self._ticket_number}")
        reminder = timedelta(seconds=self.request.review_reminder_seconds)
        while not await wait_until(lambda: self._decision is not None, reminder):
            self._reminders_sent += 1
            await self.notify(
                EmailEvent.REVIEW_REMINDER,
                Audience.SERVICE_TEAM,
                f"review-reminder-{self._reminders_sent}",
            )

    async def settle(self) -> bool:
        """Apply the decision; False when the change was returned to the service team."""
        assert self._decision is not None
        outcome, decision = self._decision
        self._wait_for(f"the {outcome.value} outcome to be recorded")
        if outcome is RequestStatus.IMPLEMENTED:
            reasons = await self.apply_change(decision)
            if reasons is not None:
                self._returns += 1
                self._decision = None
                await self.notify(
                    EmailEvent.REQUEST_RETURNED,
                    Audience.REQUESTER,
                    f"returned-{self._returns}",
                    comment_id=reasons,
                )
                return False
        else:
            await database_step(
                CustomerDataActivities.close_request,
                CloseRequest(
                    request_id=self.request.request_id,
                    status=outcome,
                    actor=decision.actor,
                    at=workflow.now(),
                    note_id=decision.note_id,
                ),
                f"record {outcome.value}",
            )
        self._set_status(outcome)
        self._settled = True
        self._wait_for("nothing: the request is closed")
        await self.notify(
            OUTCOME_EMAILS[outcome], Audience.REQUESTER, "outcome", comment_id=decision.note_id
        )
        await workflow.wait_condition(workflow.all_handlers_finished)
        return True

    async def apply_change(self, decision: Decision) -> int | None:
        """Apply the change; or return the id of the ticket comment saying why it cannot be."""
        raise NotImplementedError

    async def forget_unapplied(self, outcome: RequestStatus) -> None:
        """A declined or cancelled request erases the people it brought in who never became
        contacts, once the emails written from their data have gone."""
        if outcome not in (RequestStatus.DECLINED, RequestStatus.CANCELLED):
            return
        if not workflow.patched(ERASE_UNAPPLIED):
            return
        await self.emails_delivered()
        await database_step(
            CustomerDataActivities.erase_request,
            EraseRequest(self.request.request_id, outcome, workflow.now()),
            "erase the people it named who never became contacts",
        )

    async def welcome(self, contact_ids: tuple[str, ...]) -> None:
        """Email each new contact the link that activates their account."""
        await asyncio.gather(
            *(
                self.notify(
                    EmailEvent.WELCOME, Audience.CONTACT, f"welcome-{contact}", contact_id=contact
                )
                for contact in contact_ids
            )
        )

    async def notify(
        self,
        event: EmailEvent,
        audience: Audience,
        step: str,
        comment_id: int | None = None,
        contact_id: str | None = None,
        side: Side | None = None,
    ) -> None:
        """Queue an email; the request goes on while it waits for the SMTP server.

        Emails go out one after another, in the order the process asked for them.
        """
        notification = Notification(
            key=f"{self.request.request_id}/{step}",
            event=event,
            audience=audience,
            request_id=self.request.request_id,
            at=workflow.now(),
            comment_id=comment_id,
            contact_id=contact_id,
            side=side,
        )
        if not workflow.patched(EMAILS_IN_BACKGROUND):
            await _send(notification)
            return
        self._emails = asyncio.create_task(_send_after(self._emails, notification))

    async def emails_delivered(self) -> None:
        """Wait for the emails still queued: a run ends, or erases its data, only after them."""
        if self._emails is None or self._emails.done():
            return
        waiting_for = self._waiting_for
        self._wait_for("its emails to be delivered")
        await self._emails
        self._wait_for(waiting_for)

    @workflow.update
    async def implement(self, decision: Decision) -> RequestState:
        return await self._decide(RequestStatus.IMPLEMENTED, decision)

    @implement.validator
    def _validate_implement(self, decision: Decision) -> None:
        self._require(RequestStatus.IN_REVIEW)

    @workflow.update
    async def decline(self, decision: Decision) -> RequestState:
        return await self._decide(RequestStatus.DECLINED, decision)

    @decline.validator
    def _validate_decline(self, decision: Decision) -> None:
        self._require(RequestStatus.IN_REVIEW)

    @workflow.update
    async def cancel(self, decision: Decision) -> RequestState:
        return await self._decide(RequestStatus.CANCELLED, decision)

    @cancel.validator
    def _validate_cancel(self, decision: Decision) -> None:
        self._require(RequestStatus.IN_REVIEW, RequestStatus.AWAITING_APPROVAL)

    @workflow.signal
    async def comment_added(self, notice: CommentNotice) -> None:
        """A comment on the ticket: the service team's replies are emailed to the requester."""
        if notice.author_is_staff and not self._settled:
            await self.notify(
                EmailEvent.TICKET_COMMENT,
                Audience.REQUESTER,
                f"comment-{notice.comment_id}",
                comment_id=notice.comment_id,
            )

    @workflow.query
    def status(self) -> RequestState:
        return RequestState(
            status=self._status,
            ticket_number=self._ticket_number,
            waiting_for=self._waiting_for,
            approvals=self.approval_states(),
        )

    def approval_states(self) -> list[ApprovalState]:
        return []

    async def _decide(self, outcome: RequestStatus, decision: Decision) -> RequestState:
        mine = (outcome, decision)
        self._decision = mine
        await workflow.wait_condition(lambda: self._settled or self._decision is not mine)
        if not self._settled:
            raise ApplicationError(
                f"the change can no longer be applied as it stands; the reasons are on ticket "
                f"{self._ticket_number} and the request is back with the service team",
                type="ChangeReturned",
            )
        return self.status()

    def _require(self, *statuses: RequestStatus) -> None:
        if self._decision is not None or self._status not in statuses:
            raise ValueError(f"{PAST_THAT_STEP}: it is {self._status.value}")

    def _set_status(self, status: RequestStatus) -> None:
        if status is self._status and workflow.patched(LOCAL_DATABASE_STEPS):
            return
        self._status = status
        workflow.upsert_search_attributes([REQUEST_STATUS.value_set(status.value)])

    def _wait_for(self, what: str) -> None:
        self._waiting_for = what
        workflow.set_current_details(f"Waiting for {what}.")


async def _send(notification: Notification) -> None:
    await workflow.execute_activity_method(
        EmailActivities.send_email,
        notification,
        start_to_close_timeout=EMAIL_TIMEOUT,
        retry_policy=EMAIL_RETRY,
        summary=f"email {notification.audience.value}: {notification.event.value}",
    )


async def _send_after(earlier: asyncio.Task[None] | None, notification: Notification) -> None:
    if earlier is not None:
        await earlier
    await _send(notification)


Owner = TypeVar("Owner")
Command = TypeVar("Command")
Result = TypeVar("Result")


async def database_step(
    step: Callable[[Owner, Command], Awaitable[Result]], command: Command, summary: str
) -> Result:
    """A short, idempotent database step, run as a local activity: Temporal dispatches no
    task for it and history holds one marker instead of three events."""
    if workflow.patched(LOCAL_DATABASE_STEPS):
        return await workflow.execute_local_activity_method(
            step,
            command,
            start_to_close_timeout=DATABASE_TIMEOUT,
            retry_policy=DATABASE_RETRY,
            summary=summary,
        )
    return await workflow.execute_activity_method(
        step,
        command,
        start_to_close_timeout=DATABASE_TIMEOUT,
        retry_policy=DATABASE_RETRY,
        summary=summary,
    )


async def wait_until(condition: Callable[[], bool], timeout: timedelta) -> bool:
    """True when the condition held before the timeout, False when the timeout passed."""
    try:
        await workflow.wait_condition(condition, timeout=timeout)
    except TimeoutError:
        return False
    return True
