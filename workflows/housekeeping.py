"""Housekeeping run on a Temporal schedule: purging what is kept for a while only."""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.housekeeping import HousekeepingActivities
    from models.payloads import PurgeExpired

PURGE_TIMEOUT = timedelta(minutes=2)
PURGE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=5), maximum_attempts=5)


@workflow.defn
class PurgeExpiredWorkflow:
    """Deletes what is kept for a while only: the answers kept for Idempotency-Key retries
    once they expire, failed attempts once they no longer count, ended portal sessions and
    long-expired sign-in links. Started by the
    schedule ``<task queue>-purge-expired``; returns how many rows it deleted."""

    @workflow.run
    async def run(self) -> int:
        return await workflow.execute_activity_method(
            HousekeepingActivities.purge_expired,
            PurgeExpired(at=workflow.now()),
            start_to_close_timeout=PURGE_TIMEOUT,
            retry_policy=PURGE_RETRY,
            summary="delete expired answers and failed attempts",
        )
