"""The schedule that purges expired answers of idempotent requests, failed attempts that no
longer count, ended portal sessions and long-expired sign-in links, on the real server."""

import asyncio
import uuid
from datetime import timedelta

from sqlmodel import select
from temporalio.client import ScheduleActionExecutionStartWorkflow

from models.enums import LinkPurpose
from models.failed_attempt import FailedAttempt
from models.idempotency import IdempotentAnswer
from models.link import LinkToken
from models.portal_session import PortalSession
from models.types import utcnow
from tests.conftest import Stack
from worker import ensure_schedules, purge_schedule_id


async def _plant(stack: Stack, key: str, expires_in: timedelta) -> None:
    derek = next(c for c in stack.demo["customers"][0]["contacts"] if c["name"].startswith("Derek"))
    async with stack.sessions() as session:
        session.add(
            IdempotentAnswer(
                user_id=uuid.UUID(derek["user_id"]),
                key=key,
                route="POST /tickets",
                body_hash="0" * 64,
                status_code=201,
                body=b'{"subject": "kept for a retry"}',
                created_at=utcnow() - timedelta(days=2),
                expires_at=utcnow() + expires_in,
            )
        )
        await session.commit()


async def _keys(stack: Stack) -> set[str]:
    async with stack.sessions() as session:
        return set(await session.exec(select(IdempotentAnswer.key)))


async def _attempts(stack: Stack) -> set[str]:
    async with stack.sessions() as session:
        return set(await session.exec(select(FailedAttempt.client)))


async def _plant_sessions_and_links(stack: Stack) -> None:
    """Portal sessions ended, expired and live; sign-in links long expired and recent."""
    sam = uuid.UUID(stack.demo["staff"][0]["id"])
    now = utcnow()
    async with stack.sessions() as session:
        for name, ended, expires in (
            ("ended", now, now + timedelta(hours=1)),
            ("expired", None, now - timedelta(minutes=1)),
            ("live", None, now + timedelta(hours=1)),
        ):
            session.add(
                PortalSession(
                    key_hash=name,
                    user_id=sam,
                    created_at=now,
                    last_seen_at=now,
                    expires_at=expires,
                    ended_at=ended,
                )
            )
        for name, expires in (("old", now - timedelta(days=2)), ("recent", now)):
            session.add(
                LinkToken(
                    purpose=LinkPurpose.SIGN_IN,
                    nonce=name,
                    token_hash=name,
                    user_id=sam,
                    expires_at=expires,
                )
            )
        await session.commit()


async def _sessions_and_links(stack: Stack) -> set[str]:
    async with stack.sessions() as session:
        return set(await session.exec(select(PortalSession.key_hash))) | set(
            await session.exec(
                select(LinkToken.nonce).where(LinkToken.purpose == LinkPurpose.SIGN_IN)
            )
        )


async def test_the_schedule_purges_what_expired_and_keeps_the_rest(stack: Stack) -> None:
    await _plant(stack, "expired", -timedelta(minutes=1))
    await _plant(stack, "fresh", timedelta(hours=1))
    await _plant_sessions_and_links(stack)
    async with stack.sessions() as session:
        session.add(FailedAttempt(client="10.0.0.1", at=utcnow() - timedelta(minutes=5)))
        session.add(FailedAttempt(client="10.0.0.2", at=utcnow() + timedelta(minutes=5)))
        await session.commit()
    # Each worker start ensures the schedule; a second start updates it, adds none.
    await ensure_schedules(stack.temporal, stack.settings)
    await ensure_schedules(stack.temporal, stack.settings)
    schedule_id = purge_schedule_id(stack.settings.task_queue)
    handle = stack.temporal.get_schedule_handle(schedule_id)
    try:
        listed = [s.id async for s in await stack.temporal.list_schedules()]
        assert listed.count(schedule_id) == 1
        described = await handle.describe()
        (interval,) = described.schedule.spec.intervals
        assert interval.every == timedelta(seconds=stack.settings.purge_interval_seconds)

        await handle.trigger()
        for _ in range(200):
            described = await handle.describe()
            if described.info.recent_actions:
                break
            await asyncio.sleep(0.05)
        started = described.info.recent_actions[0].action
        assert isinstance(started, ScheduleActionExecutionStartWorkflow)
        run = stack.temporal.get_workflow_handle(
            started.workflow_id, run_id=started.first_execution_run_id
        )
        assert await asyncio.wait_for(run.result(), 20) == 5
        assert await _keys(stack) == {"fresh"}
        assert await _attempts(stack) == {"10.0.0.2"}
        assert await _sessions_and_links(stack) == {"live", "recent"}
    finally:
        await handle.delete()
