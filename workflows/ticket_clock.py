"""A ticket's clock: the warnings before its service targets are missed, and the closing of
a resolved ticket, each at its time, however long the wait and whatever restarts."""

from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.ticket_clock import ClockAnswer, ClockDue, TicketClockActivities
    from models.enums import Audience, EmailEvent, SlaTarget, TicketStatus
    from models.payloads import Notification
    from models.sla import ClockStart, TicketClock, closes_at, warning_at
    from workflows.outbox import send
    from workflows.steps import DATABASE_RETRY, DATABASE_TIMEOUT


# How often a clock with nothing due looks at its ticket.
CHECK_IN = timedelta(days=1)


@workflow.defn
class TicketClockWorkflow:
    """One per ticket (``ticket-clock-<customer id>/<number>``), started when the ticket is
    raised and told of each change to it (signal ``changed``); it ends when the ticket
    closes. A timer
    that fires checks the ticket as it stands before anything is sent or changed, and each
    warning is an email keyed by its ticket and target: sent once."""

    def __init__(self) -> None:
        self._clock: TicketClock | None = None
        self._told = False
        self._warned: set[SlaTarget] = set()

    @workflow.run
    async def run(self, start: ClockStart) -> None:
        self._take(start.clock)
        while self._current.status is not TicketStatus.CLOSED:
            self._told = False
            due = self._next(start)
            if due is None:
                # Nothing is due as far as the clock knows; it looks again now and then, in
                # case it was not told of a change.
                try:
                    await workflow.wait_condition(lambda: self._told, timeout=CHECK_IN)
                except TimeoutError:
                    self._take((await self._due(None)).clock)
                continue
            when, what = due
            wait = when - workflow.now()
            if wait > timedelta(0):
                try:
                    await workflow.wait_condition(lambda: self._told, timeout=wait)
                    continue
                except TimeoutError:
                    pass
            # The ticket as it stands says whether it is still due; a warning not due now
            # is set again from what the answer says.
            answer = await self._due(what)
            if what is not None and answer.warn:
                self._warned.add(what)
                await self._warn(what)
            self._take(answer.clock)

    @workflow.signal
    def changed(self, clock: TicketClock) -> None:
        self._take(clock)
        self._told = True

    @property
    def _current(self) -> TicketClock:
        assert self._clock is not None
        return self._clock

    def _take(self, clock: TicketClock) -> None:
        """Keep the latest news of the ticket: signals may arrive out of order."""
        if self._clock is None or clock.revision >= self._clock.revision:
            self._clock = clock

    def _next(self, start: ClockStart) -> tuple[datetime, SlaTarget | None] | None:
        """The next thing due: a warning not yet given, or the closing."""
        times: list[tuple[datetime, SlaTarget | None]] = [
            (at, target)
            for target in SlaTarget
            if target not in self._warned
            and (at := warning_at(self._current, target, start.targets)) is not None
        ]
        closing = closes_at(self._current, start.targets)
        if closing is not None:
            times.append((closing, None))
        return min(times, key=lambda item: item[0]) if times else None

    async def _due(self, what: SlaTarget | None) -> ClockAnswer:
        return await workflow.execute_activity_method(
            TicketClockActivities.ticket_clock_due,
            ClockDue(self._current.number, what, workflow.now()),
            start_to_close_timeout=DATABASE_TIMEOUT,
            retry_policy=DATABASE_RETRY,
            summary=f"check the {what.value} warning" if what else "close if still resolved",
        )

    async def _warn(self, target: SlaTarget) -> None:
        number = self._current.number
        await send(
            Notification(
                key=f"ticket-{number}/sla-{target.value}",
                event=EmailEvent.SLA_WARNING,
                audience=Audience.SERVICE_TEAM,
                request_id=None,
                at=workflow.now(),
                ticket_number=number,
                sla_target=target,
            )
        )
