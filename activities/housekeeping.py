"""Housekeeping of the database: rows kept for a while only."""

from datetime import timedelta

from sqlalchemy import or_
from sqlmodel import col, delete
from temporalio import activity

from models.database import SessionFactory, erased_in, transaction
from models.enums import LinkPurpose
from models.failed_attempt import COUNTED_FOR, FailedAttempt
from models.idempotency import IdempotentAnswer
from models.link import LinkToken
from models.payloads import PurgeExpired
from models.portal_session import PortalSession

# An expired sign-in link is kept a day, so that opening it late says it expired.
SPENT_SIGN_IN_KEPT = timedelta(days=1)


class HousekeepingActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @activity.defn
    async def purge_expired(self, command: PurgeExpired) -> int:
        """Delete the answers kept for Idempotency-Key retries that have expired, the failed
        attempts that no longer count, portal sessions that have ended, and sign-in links
        long expired; how many rows."""
        async with transaction(self._sessions) as session:
            # A checkpoint an erasure could not make (a reader held the WAL) is made now.
            erased_in(session)
            answers = await session.exec(
                delete(IdempotentAnswer).where(col(IdempotentAnswer.expires_at) <= command.at)
            )
            attempts = await session.exec(
                delete(FailedAttempt).where(col(FailedAttempt.at) <= command.at - COUNTED_FOR)
            )
            sessions = await session.exec(
                delete(PortalSession).where(
                    or_(
                        col(PortalSession.expires_at) <= command.at,
                        col(PortalSession.ended_at).is_not(None),
                    )
                )
            )
            links = await session.exec(
                delete(LinkToken).where(
                    col(LinkToken.purpose) == LinkPurpose.SIGN_IN,
                    col(LinkToken.expires_at) <= command.at - SPENT_SIGN_IN_KEPT,
                )
            )
        return sum(int(result.rowcount or 0) for result in (answers, attempts, sessions, links))
