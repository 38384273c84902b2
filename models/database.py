"""Engines and sessions for SQLite (embedded) and PostgreSQL (production)."""

import asyncio
import logging
import sqlite3
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel import create_engine
from sqlmodel.ext.asyncio.session import AsyncSession

SessionFactory = async_sessionmaker[AsyncSession]

log = logging.getLogger("signoff.database")

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}
_SYNC_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}


def _with_driver(url: str, drivers: dict[str, str]) -> str:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in drivers:
        raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")
    return parsed.set(drivername=drivers[backend]).render_as_string(hide_password=False)


def sync_url(url: str) -> str:
    return _with_driver(url, _SYNC_DRIVERS)


def async_url(url: str) -> str:
    return _with_driver(url, _ASYNC_DRIVERS)


# How long a writer waits for SQLite's lock, or for its turn, before it fails.
BUSY_TIMEOUT_SECONDS = 10


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the API and the worker (two processes) read while one writes;
    # busy_timeout makes a writer wait for the lock instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
    cursor.execute("PRAGMA foreign_keys=ON")
    # What is deleted or overwritten is zeroed in the file, not just unlinked: erased
    # personal data must not stay readable in free space.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()
    # Transactions are begun by _begin below rather than by the driver.
    dbapi_connection.isolation_level = None


_WRITE = "signoff_write"


def _begin(connection: Any) -> None:
    # A unit of work that writes takes SQLite's write lock up front: a read transaction
    # that later writes fails with SQLITE_BUSY under WAL if another writer came between.
    if connection.get_execution_options().get(_WRITE):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


_TURN = "signoff_write_turn"


class WriteTurns:
    """SQLite writers of one process take turns, first come, first served.

    SQLite has one write lock per file, and a writer that finds it taken sleeps in growing
    steps before it tries again: with many concurrent requests, some wait for seconds.
    Writers of one process queue here instead, so that only the other process (API or
    worker) can make them sleep. A turn ends with its transaction, or with its connection.
    """

    def __init__(self) -> None:
        # One lock per event loop, forgotten with its loop.
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def lock(self) -> asyncio.Lock:
        return self._locks.setdefault(asyncio.get_running_loop(), asyncio.Lock())


_WRITE_TURNS: weakref.WeakKeyDictionary[Engine, WriteTurns] = weakref.WeakKeyDictionary()


def _end_turn(info: dict[Any, Any] | None) -> None:
    turn = info.pop(_TURN, None) if info is not None else None
    if turn is None:
        return
    loop, lock = turn
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        lock.release()
    elif not loop.is_closed():
        loop.call_soon_threadsafe(lock.release)


def _end_turn_of_connection(connection: Any) -> None:
    _end_turn(connection.info)


def _end_turn_of_record(_dbapi_connection: Any, record: Any, *_: Any) -> None:
    _end_turn(record.info if record is not None else None)


def create_db_engine(url: str) -> AsyncEngine:
    # A file needs no ping before each use; a PostgreSQL connection may have gone away.
    pre_ping = make_url(url).get_backend_name() != "sqlite"
    engine = create_async_engine(async_url(url), pool_pre_ping=pre_ping)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _tune_sqlite)
        event.listen(engine.sync_engine, "begin", _begin)
        _WRITE_TURNS[engine.sync_engine] = WriteTurns()
        for name in ("commit", "rollback"):
            event.listen(engine.sync_engine, name, _end_turn_of_connection)
        for name in ("checkin", "invalidate", "close"):
            event.listen(engine.sync_engine.pool, name, _end_turn_of_record)
    return engine


def create_sync_engine(url: str) -> Engine:
    engine = create_engine(sync_url(url))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _tune_sqlite)
        event.listen(engine, "begin", _begin)
    return engine


def session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


async def begin_write(session: AsyncSession) -> None:
    """End the session's read transaction, if any, and begin one that will write."""
    if session.in_transaction():
        await session.commit()
    bind = session.bind
    turns = _WRITE_TURNS.get(bind.sync_engine) if isinstance(bind, AsyncEngine) else None
    if turns is None:
        await session.connection(execution_options={_WRITE: True})
        return
    lock = turns.lock()
    try:
        async with asyncio.timeout(BUSY_TIMEOUT_SECONDS):
            await lock.acquire()
    except TimeoutError as error:
        # As SQLite itself fails a writer that waited its busy timeout.
        locked = sqlite3.OperationalError("database is locked: no write turn came")
        raise OperationalError("BEGIN IMMEDIATE", None, locked) from error
    try:
        connection = await session.connection(execution_options={_WRITE: True})
    except BaseException:
        lock.release()
        raise
    connection.info[_TURN] = (asyncio.get_running_loop(), lock)


_ERASED = "signoff_erased"
_AFTER_COMMIT = "signoff_after_commit"


def erased_in(session: AsyncSession) -> None:
    """Mark the session's unit of work as erasing personal data: once it is committed, the
    database files are cleared of what it erased (``clear_erased``)."""
    session.info[_ERASED] = True


# Clearing the WAL holds SQLite's write lock while it waits for readers to move on: it waits
# briefly each time, and tries again, so that no writer is ever held up for long.
_CLEAR_WAIT_MS = 100
_CLEAR_ATTEMPTS = 20
_CLEAR_PAUSE_SECONDS = 0.1


async def clear_erased(engine: AsyncEngine) -> bool:
    """Move every page written so far into SQLite's database file and empty its WAL, which
    would otherwise keep the pages as they were before an erasure (deleted content itself is
    zeroed: ``secure_delete``). False if readers held the WAL through every attempt; the
    next erasure or the housekeeping schedule clears it then. Nothing to do on PostgreSQL
    (README: what it keeps until VACUUM)."""
    if engine.dialect.name != "sqlite":
        return True
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        # The driver's own connection: outside any transaction, as a checkpoint must be.
        driver = raw.driver_connection
        assert driver is not None
        await driver.execute(f"PRAGMA busy_timeout={_CLEAR_WAIT_MS}")
        try:
            for _ in range(_CLEAR_ATTEMPTS):
                cursor = await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                busy, *_ = await cursor.fetchone()
                await cursor.close()
                if not busy:
                    return True
                await asyncio.sleep(_CLEAR_PAUSE_SECONDS)
        finally:
            await driver.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
    return False


@asynccontextmanager
async def transaction(sessions: SessionFactory) -> AsyncIterator[AsyncSession]:
    """One unit of work that writes: committed when the block ends, rolled back on error."""
    async with sessions() as session:
        await begin_write(session)
        try:
            yield session
        except BaseException:
            session.info.pop(_AFTER_COMMIT, None)
            await session.rollback()
            raise
        await commit(session)


def after_commit(session: AsyncSession, step: Callable[[], Awaitable[None]]) -> None:
    """Run ``step`` once the session's unit of work is committed by ``commit`` (it is
    forgotten if the work is rolled back): what must only be told of a change that stays."""
    session.info.setdefault(_AFTER_COMMIT, []).append(step)


async def commit(session: AsyncSession) -> None:
    """Commit the session's unit of work; if it erased personal data (``erased_in``), clear
    the database files of what it erased. Then the steps asked for with ``after_commit``."""
    try:
        await session.commit()
    finally:
        steps = session.info.pop(_AFTER_COMMIT, [])
    engine = session.bind if session.info.pop(_ERASED, False) else None
    if isinstance(engine, AsyncEngine) and not await clear_erased(engine):
        log.warning("erased data stays in the database's WAL until its next checkpoint")
    for step in steps:
        await step()
