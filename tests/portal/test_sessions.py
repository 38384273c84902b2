"""A portal session's idle timeout over real HTTP: being active refreshes it, after the page
has been answered, so that reading a page never waits for a write."""

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import select

from api.services.portal_sessions import TOUCH_EVERY
from models.portal_session import PortalSession
from models.types import utcnow
from tests.conftest import Stack
from tests.portal.test_sign_in import browser, derek, sign_in


async def last_seen(stack: Stack) -> list[tuple[int | None, datetime]]:
    async with stack.sessions() as session:
        rows = await session.exec(select(PortalSession.id, PortalSession.last_seen_at))
        return list(rows.all())


async def test_a_page_refreshes_the_idle_timeout_once_answered(stack: Stack) -> None:
    async with browser(stack) as client:
        await sign_in(stack, client, derek(stack)["email"])
        earlier = utcnow() - TOUCH_EVERY - timedelta(seconds=5)
        async with stack.sessions() as session:
            await session.exec(update(PortalSession).values(last_seen_at=earlier))
            await session.commit()

        assert (await client.get("/portal/profile")).status_code == 200
        for _ in range(100):
            [(session_id, seen)] = await last_seen(stack)
            if seen != earlier:
                break
            await asyncio.sleep(0.05)
        assert seen > earlier + TOUCH_EVERY, "refreshed after the page"

        # Within a minute of the refresh, a page writes nothing.
        assert (await client.get("/portal/profile")).status_code == 200
        await asyncio.sleep(0.2)
        assert await last_seen(stack) == [(session_id, seen)]
