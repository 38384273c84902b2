"""What every request workflow holds and answers, and the steps every process shares: raise
the ticket, collect approvals, the service team's review, forget what was never applied.
The messages people send are declared here, once, and handed to the stage they concern."""

from temporalio import workflow

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
    from workflows.approval import Approvals
    from workflows.outbox import Outbox
    from workflows.review import Review
    from workflows.search_attributes import REQUEST_STATUS, TICKET_NUMBER
    from workflows.stage import Stage
    from workflows.steps import (
        ERASE_UNAPPLIED,
        LOCAL_DATABASE_STEPS,
        TELL_SERVICE_TEAM_OF_FILING,
        Change,
        database_step,
    )


class RequestWorkflow:
    def __init__(self) -> None:
        self._request: RequestInput | None = None
        self._status = RequestStatus.IN_REVIEW
        self.ticket_number: str | None = None
        self.waiting_for = ""
        self.outbox = Outbox(self)
        self.approvals = Approvals(self)
        self.review = Review(self)

    @property
    def request(self) -> RequestInput:
        assert self._request is not None, "begin() not called"
        return self._request

    @property
    def reported_status(self) -> RequestStatus:
        return self._status

    @property
    def stage(self) -> Stage:
        return Stage.of(
            self._status,
            decision_arrived=self.review.decision_arrived,
            closing=self.approvals.closing,
        )

    def begin(self, request: RequestInput, status: RequestStatus) -> None:
        self._request = request
        self._status = status

    async def raise_ticket(self) -> None:
        """Raise the ticket with the service team and tell the requester its number."""
        self.show_waiting_for("the ticket to be raised")
        self.ticket_number = await database_step(
            TicketActivities.raise_ticket,
            RaiseTicket(request_id=self.request.request_id, at=workflow.now()),
            "raise the ticket",
        )
        workflow.upsert_search_attributes([TICKET_NUMBER.value_set(self.ticket_number)])
        await self.outbox.tell(EmailEvent.REQUEST_RECEIVED, Audience.REQUESTER, "received")
        if workflow.patched(TELL_SERVICE_TEAM_OF_FILING):
            await self.outbox.tell(EmailEvent.REQUEST_FILED, Audience.SERVICE_TEAM, "filed")

    async def reviewed(self, change: Change) -> RequestStatus:
        """The service team's review, implementing ``change``; what was never applied is
        forgotten."""
        outcome = await self.review.run(change)
        await self.forget_unapplied(outcome)
        return outcome

    async def approved_then_reviewed(
        self, sides: tuple[Side, ...], timings: ApprovalTimings, change: Change
    ) -> RequestStatus:
        """Collect the approvals of ``sides``; once every one approves, the service team's
        review, implementing ``change``; what was never applied is forgotten."""
        outcome = await self.approvals.collect(sides, timings)
        if outcome is RequestStatus.IN_REVIEW:
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
        await self.outbox.all_sent()
        await database_step(
            CustomerDataActivities.erase_request,
            EraseRequest(self.request.request_id, outcome, workflow.now()),
            "erase the people it named who never became contacts",
        )

    def closed(self, outcome: RequestStatus) -> None:
        self.set_status(outcome)
        self.show_waiting_for("nothing: the request is closed")

    def set_status(self, status: RequestStatus) -> None:
        if status is self._status and workflow.patched(LOCAL_DATABASE_STEPS):
            return
        self._status = status
        workflow.upsert_search_attributes([REQUEST_STATUS.value_set(status.value)])

    def show_waiting_for(self, what: str) -> None:
        """Say, in the Temporal UI and the status query, what the request waits for."""
        self.waiting_for = what
        workflow.set_current_details(f"Waiting for {what}.")

    @workflow.update
    async def implement(self, decision: Decision) -> RequestState:
        return await self.review.decided(RequestStatus.IMPLEMENTED, decision)

    @workflow.update
    async def decline(self, decision: Decision) -> RequestState:
        return await self.review.decided(RequestStatus.DECLINED, decision)

    @implement.validator
    @decline.validator
    def _validate_review_decision(self, decision: Decision) -> None:
        self.review.check(Stage.WITH_SERVICE_TEAM)

    @workflow.update
    async def cancel(self, decision: Decision) -> RequestState:
        return await self.review.decided(RequestStatus.CANCELLED, decision)

    @cancel.validator
    def _validate_cancel(self, decision: Decision) -> None:
        self.review.check(Stage.WITH_APPROVERS, Stage.WITH_SERVICE_TEAM)

    @workflow.update
    async def decide_approval(self, decision: ApproverDecision) -> RequestState:
        """An approver's decision, through their link; final once made."""
        await self.approvals.record(decision)
        return self.status()

    @decide_approval.validator
    def _validate_decide_approval(self, decision: ApproverDecision) -> None:
        self.approvals.check(decision)

    @workflow.signal
    async def comment_added(self, notice: CommentNotice) -> None:
        """A comment on the ticket, as the API told it before a ticket's news had a workflow
        of its own (``TicketNoticeWorkflow``): kept so that those runs go on and replay."""
        if notice.author_is_staff and self.stage is not Stage.CLOSED:
            await self.outbox.tell(
                EmailEvent.TICKET_COMMENT,
                Audience.REQUESTER,
                f"comment-{notice.comment_id}",
                comment_id=notice.comment_id,
            )

    @workflow.query
    def status(self) -> RequestState:
        return RequestState(
            status=self._status,
            ticket_number=self.ticket_number,
            waiting_for=self.waiting_for,
            approvals=self.approvals.states(),
        )
