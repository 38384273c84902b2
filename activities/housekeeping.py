"""Housekeeping of the database: rows kept for a while only."""

from sqlmodel import col, delete
from temporalio import activity

from models.database import SessionFactory, transaction
from models.failed_attempt import COUNTED_FOR, FailedAttempt
from models.idempotency import IdempotentAnswer
from models.payloads import PurgeExpired


class HousekeepingActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @activity.defn
    async def purge_expired(self, command: PurgeExpired) -> int:
        """Delete the answers kept for Idempotency-Key retries that have expired, and the
        failed attempts that no longer count; how many rows."""
        async with transaction(self._sessions) as session:
            answers = await session.exec(
                delete(IdempotentAnswer).where(col(IdempotentAnswer.expires_at) <= command.at)
            )
            attempts = await session.exec(
                delete(FailedAttempt).where(col(FailedAttempt.at) <= command.at - COUNTED_FOR)
            )
        return int(answers.rowcount or 0) + int(attempts.rowcount or 0)
