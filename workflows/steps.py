"""How the processes run their steps: activity options, the replay patches, database steps,
waits, and the change each process applies."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from models.payloads import ApplyResult

DATABASE_TIMEOUT = timedelta(seconds=30)
DATABASE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)
)
EMAIL_TIMEOUT = timedelta(seconds=30)
# SMTP can be down for a while: keep trying, but back off to one attempt every 10 minutes.
EMAIL_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=10)
)

# Replay patches: runs begun before each change replay without its marker and keep the old
# path, so every kept history still replays.
# Database steps became local activities; the status they upserted even when unchanged.
LOCAL_DATABASE_STEPS = "local-database-steps"
# Emails went out in the background; before, each was waited for where it was sent.
EMAILS_IN_BACKGROUND = "emails-in-background"
# Approvers are told when the request they approved is implemented.
TELL_APPROVERS_WHEN_IMPLEMENTED = "tell-approvers-when-implemented"
# A declined or cancelled request erases the people it brought in.
ERASE_UNAPPLIED = "erase-unapplied-requests"
# The service team is told of each request filed.
TELL_SERVICE_TEAM_OF_FILING = "tell-service-team-of-filing"
# Approvers are told when the request closes without going ahead (cancelled, declined,
# expired), and the customer's contacts when a purchaser takes over their roles.
TELL_APPROVERS_OF_CLOSING = "tell-approvers-of-closing"
TELL_CONTACTS_OF_MOVED_ROLES = "tell-contacts-of-moved-roles"
# The customer's Management and Cust Admin are told of a request the team filed for them
# (marked only in such runs: a run an older worker began without it replays as it ran).
TELL_CUSTOMER_OF_FILING_FOR_IT = "tell-customer-of-filing-for-it"

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


@dataclass(frozen=True)
class ApplyStep:
    """How a process applies its change: the database step, the command it takes (built by
    ``apply_command``), and what the step is called in the history."""

    step: Callable[[Any, Any], Awaitable[ApplyResult | None]]
    command: type
    summary: str
