"""Housekeeping of the database: rows kept for a while only."""

from sqlmodel import col, delete
from temporalio import activity

from models.database import SessionFactory, transaction
from models.idempotency import IdempotentAnswer
from models.payloads import PurgeExpired


class HousekeepingActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @activity.defn
    async def purge_expired_answers(self, command: PurgeExpired) -> int:
        """Delete the answers kept for Idempotency-Key retries that have expired; how many."""
        async with transaction(self._sessions) as session:
            purged = await session.exec(
                delete(IdempotentAnswer).where(col(IdempotentAnswer.expires_at) <= command.at)
            )
        return int(purged.rowcount or 0)
