"""What every request workflow holds and answers, and the steps every process shares: raise
the ticket, collect approvals, the service team's review, forget what was never applied.
The messages people send are declared here, once, with the checks that refuse them; the
stages they concern are given only what they use."""

from collections.abc import Iterator
from contextlib import contextmanager

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.customer_data import CustomerDataActivities
    from activities.tickets import TicketActivities
    from models.enums import Audience, EmailEvent, RequestStatus, Side
    from models.payloads import (
        ApprovalTimings,
        ApproverDecision,
        CommentNotice,
        Decision,
        EraseRequest,
        RaiseTicket,
        RequestInput,
        RequestState,
    )
    from models.progress import WAITING_FOR_NOTHING, WAITING_FOR_TICKET, details
    from workflows.approval import Approvals
    from workflows.outbox import Outbox
    from workflows.review import Review
    from workflows.search_attributes import REQUEST_STATUS, TICKET_NUMBER
    from workflows.stage import Stage
    from workflows.steps import (
        ERASE_UNAPPLIED,
        LOCAL_DATABASE_STEPS,
        TELL_CUSTOMER_OF_FILING_FOR_IT,
        TELL_SERVICE_TEAM_OF_FILING,
        ApplyStep,
        database_step,
    )

PAST_THAT_STEP = "the request is past that step"
NO_LONGER_AWAITING = f"{PAST_THAT_STEP}: it is no longer awaiting approval"


class RequestWorkflow:
    def __init__(self) -> None:
        self._request: RequestInput | None = None
        # Where the request stands: the status it has in the database and the RequestStatus
        # search attribute; its stage is worked out from it (``_stage``).
        self._status = RequestStatus.IN_REVIEW
        self._ticket_number: str | None = None
        self._waiting_for = ""
        # Temporal hands over the messages of the task that starts a workflow before ``run``
        # begins: the stages are here from the start, and read the input once they use it.
        self._outbox = Outbox(self._request_id, self._while_waiting_for)
        self._approvals = Approvals(
            self._request_id,
            self._outbox,
            show=self._show,
            set_status=self._set_status,
            decision_arrived=lambda: self.review.decision_arrived,
        )
        self.review = Review(
            self._input,
            self._outbox,
            show=self._show,
            set_status=self._set_status,
            ticket_number=lambda: self._ticket_number,
            approvers=lambda: self._approvals.sides,
        )

    def begin(self, request: RequestInput, status: RequestStatus) -> None:
        self._request = request
        self._status = status

    async def raise_ticket(self) -> None:
        """Raise the ticket with the service team and tell the requester its number."""
        self._show(WAITING_FOR_TICKET)
        self._ticket_number = await database_step(
            TicketActivities.raise_ticket,
            RaiseTicket(request_id=self._request_id(), at=workflow.now()),
            "raise the ticket",
        )
        workflow.upsert_search_attributes([TICKET_NUMBER.value_set(self._ticket_number)])
        await self._outbox.tell(EmailEvent.REQUEST_RECEIVED, Audience.REQUESTER, "received")
        filed_for = self._input().filed_for
        if filed_for and workflow.patched(TELL_CUSTOMER_OF_FILING_FOR_IT):
            await self._outbox.tell_contacts(
                EmailEvent.FILED_FOR_CUSTOMER, filed_for, "filed-for-{contact}"
            )
        if workflow.patched(TELL_SERVICE_TEAM_OF_FILING):
            await self._outbox.tell(EmailEvent.REQUEST_FILED, Audience.SERVICE_TEAM, "filed")

    async def reviewed(self, change: ApplyStep) -> RequestStatus:
        """The service team's review, implementing ``change``; what was never applied is
        forgotten."""
        outcome = await self.review.run(change)
        await self.forget_unapplied(outcome)
        return outcome

    async def approved_then_reviewed(
        self, sides: tuple[Side, ...], timings: ApprovalTimings, change: ApplyStep
    ) -> RequestStatus:
        """Collect the approvals of ``sides``; once every one approves, the service team's
        review, implementing ``change``; what was never applied is forgotten."""
        outcome = await self._approvals.collect(sides, timings)
        if outcome is None:
            # The requester cancelled before the approvers were done.
            outcome = await self.review.close_as_decided()
            await self._outbox.all_sent()
        elif outcome is RequestStatus.IN_REVIEW:
            outcome = await self.review.run(change)
        await self.forget_unapplied(outcome)
        return outcome

    async def forget_unapplied(self, outcome: RequestStatus) -> None:
        """A declined or cancelled request erases the people it brought in who never became
        contacts, once the emails written from their data have gone."""
        if outcome not in (RequestStatus.DECLINED, RequestStatus.CANCELLED):
            return
        if not workflow.patched(ERASE_UNAPPLIED):
            return
        await self._outbox.all_sent()
        await database_step(
            CustomerDataActivities.erase_request,
            EraseRequest(self._request_id(), outcome, workflow.now()),
            "erase the people it named who never became contacts",
        )

    @workflow.update
    async def implement(self, decision: Decision) -> RequestState:
        await self.review.decide(RequestStatus.IMPLEMENTED, decision)
        return self.status()

    @workflow.update
    async def decline(self, decision: Decision) -> RequestState:
        await self.review.decide(RequestStatus.DECLINED, decision)
        return self.status()

    @implement.validator
    @decline.validator
    def _validate_review_decision(self, decision: Decision) -> None:
        self._refuse_unless(Stage.WITH_SERVICE_TEAM)

    @workflow.update
    async def cancel(self, decision: Decision) -> RequestState:
        await self.review.decide(RequestStatus.CANCELLED, decision)
        return self.status()

    @cancel.validator
    def _validate_cancel(self, decision: Decision) -> None:
        self._refuse_unless(Stage.WITH_APPROVERS, Stage.WITH_SERVICE_TEAM)

    @workflow.update
    async def decide_approval(self, decision: ApproverDecision) -> RequestState:
        """An approver's decision, through their link; final once made."""
        await self._approvals.record(decision)
        return self.status()

    @decide_approval.validator
    def _validate_decide_approval(self, decision: ApproverDecision) -> None:
        if self._stage() is not Stage.WITH_APPROVERS:
            raise ApplicationError(NO_LONGER_AWAITING, type="PastThatStep")
        self._approvals.check(decision)

    @workflow.signal
    async def comment_added(self, notice: CommentNotice) -> None:
        """A comment on the ticket, as the API told it before a ticket's news had a workflow
        of its own (``TicketNoticeWorkflow``): kept so that those runs go on and replay."""
        if notice.author_is_staff and self._stage() is not Stage.CLOSED:
            await self._outbox.tell(
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
            approvals=self._approvals.states(),
        )

    def _input(self) -> RequestInput:
        assert self._request is not None, "begin() not called"
        return self._request

    def _request_id(self) -> str:
        return self._input().request_id

    def _stage(self) -> Stage:
        return Stage.of(
            self._status,
            decision_arrived=self.review.decision_arrived,
            closing=self._approvals.closing,
        )

    def _refuse_unless(self, *stages: Stage) -> None:
        """Refuse a decision the request is past."""
        if self._stage() not in stages:
            status = self._status.value
            raise ApplicationError(f"{PAST_THAT_STEP}: it is {status}", type="PastThatStep")

    def _set_status(self, status: RequestStatus) -> None:
        if status is self._status and workflow.patched(LOCAL_DATABASE_STEPS):
            return
        self._status = status
        workflow.upsert_search_attributes([REQUEST_STATUS.value_set(status.value)])
        if not status.is_open:
            self._show(WAITING_FOR_NOTHING)

    def _show(self, what: str) -> None:
        """Say, in the Temporal UI and the status query, what the request waits for."""
        self._waiting_for = what
        workflow.set_current_details(details(what))

    @contextmanager
    def _while_waiting_for(self, what: str) -> Iterator[None]:
        before = self._waiting_for
        self._show(what)
        yield
        self._show(before)
