"""SQLite writers of one process take turns in arrival order, and every turn ends."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from models import database
from models.database import (
    SessionFactory,
    begin_write,
    create_db_engine,
    session_factory,
    transaction,
)

# SQLModel deprecates Session.execute in favour of exec, which does not take raw SQL.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'turns.db'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE counter (value INTEGER NOT NULL)"))
        await connection.execute(text("INSERT INTO counter VALUES (0)"))
    yield engine
    await engine.dispose()


async def _value(sessions: SessionFactory) -> int:
    async with sessions() as session:
        return int((await session.execute(text("SELECT value FROM counter"))).scalar_one())


async def test_concurrent_writers_go_one_at_a_time_in_arrival_order(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    entered: list[int] = []

    async def writer(number: int) -> None:
        async with transaction(sessions) as session:
            entered.append(number)
            value = (await session.execute(text("SELECT value FROM counter"))).scalar_one()
            await asyncio.sleep(0.002)
            await session.execute(text("UPDATE counter SET value = :v"), {"v": value + 1})

    tasks = []
    for number in range(30):
        tasks.append(asyncio.create_task(writer(number)))
        await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    assert entered == list(range(30))
    assert await _value(sessions) == 30


async def test_a_failed_writer_ends_its_turn(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    with pytest.raises(RuntimeError):
        async with transaction(sessions) as session:
            await session.execute(text("UPDATE counter SET value = 99"))
            raise RuntimeError("boom")
    async with asyncio.timeout(5), transaction(sessions) as session:
        await session.execute(text("UPDATE counter SET value = value + 1"))
    assert await _value(sessions) == 1


async def test_a_session_closed_without_commit_ends_its_turn(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions() as session:
        await begin_write(session)
        await session.execute(text("UPDATE counter SET value = 99"))
    async with asyncio.timeout(5), transaction(sessions) as session:
        await session.execute(text("UPDATE counter SET value = value + 1"))
    assert await _value(sessions) == 1


async def test_a_session_that_writes_twice_takes_two_turns(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions() as session:
        for _ in range(2):
            await begin_write(session)
            await session.execute(text("UPDATE counter SET value = value + 1"))
            await session.commit()
    async with asyncio.timeout(5), transaction(sessions) as session:
        await session.execute(text("UPDATE counter SET value = value + 1"))
    assert await _value(sessions) == 3


async def test_a_writer_that_waits_past_the_busy_timeout_fails_as_sqlite_would(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "BUSY_TIMEOUT_SECONDS", 0.2)
    sessions = session_factory(engine)
    async with sessions() as holder:
        await begin_write(holder)
        async with sessions() as waiter:
            with pytest.raises(OperationalError, match="database is locked"):
                await begin_write(waiter)
        await holder.commit()
    async with asyncio.timeout(5), transaction(sessions) as session:
        await session.execute(text("UPDATE counter SET value = value + 1"))
    assert await _value(sessions) == 1
