"""Proof that people are gone: every table of the database read back, blobs and JSON
decoded, and searched for each of their values.

The tables are read from the database itself, not from the models, so a table or column
the models do not know is searched too.
"""

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, select
from sqlalchemy.engine import Connection, make_url

from models.database import SessionFactory


def _readable(value: Any) -> str:
    """A stored value as a person would read it: bytes decoded, JSON unescaped."""
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            value = json.loads(value)
        except ValueError:
            return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _every_cell(connection: Connection) -> Iterator[tuple[str, str, str]]:
    tables = MetaData()
    tables.reflect(connection)
    for table in tables.sorted_tables:
        for row in connection.execute(select(table)).mappings():
            for column, value in row.items():
                if value is not None:
                    yield table.name, column, _readable(value)


async def every_cell(sessions: SessionFactory) -> list[tuple[str, str, str]]:
    """(table, column, text) for every non-null value in the database."""
    async with sessions() as session:
        connection = await session.connection()
        return await connection.run_sync(lambda sync: list(_every_cell(sync)))


async def traces_left(sessions: SessionFactory, *values: str) -> list[str]:
    """Where any of the values is still found (any case, as a whole word or address)."""
    patterns = {
        value: re.compile(rf"(?<![\w@]){re.escape(value)}(?![\w@])", re.IGNORECASE)
        for value in values
    }
    return [
        f"{table}.{column}: {value!r} in {text[:200]!r}"
        for table, column, text in await every_cell(sessions)
        for value, pattern in patterns.items()
        if pattern.search(text)
    ]


async def assert_erased(sessions: SessionFactory, *values: str) -> None:
    """None of an erased person's values (first and last name, every email they had, phone,
    job title...) remains in any table."""
    assert len(values) > 0
    left = await traces_left(sessions, *values)
    assert left == [], "erased data is still stored:\n" + "\n".join(left)


async def assert_kept(sessions: SessionFactory, *values: str) -> None:
    """Each value is still stored somewhere: what erasure must leave alone, and the proof
    that the search can find what it looks for."""
    for value in values:
        assert await traces_left(sessions, value), f"{value!r} is no longer stored"


def files_hold(database_url: str, *values: str) -> list[str]:
    """Which of the values SQLite's files (the database, its WAL and shared memory) still
    hold, byte for byte in any case: erased rows must not linger in free pages or in the WAL.
    None on PostgreSQL, whose files are the server's (README: what it keeps until VACUUM).

    The files are read by a process of their own: closing a file this process has open
    would drop every POSIX lock SQLite holds on it here (a lock belongs to the process, not
    to the descriptor), and another process would then take the database for its own."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        return []
    path = Path(url.database)
    files = [str(path.with_name(f"{path.name}{suffix}")) for suffix in ("", "-wal", "-shm")]
    read = subprocess.run(
        [sys.executable, "-c", _FIND_IN_FILES, json.dumps({"files": files, "values": values})],
        capture_output=True,
        check=True,
        text=True,
    )
    found: list[str] = json.loads(read.stdout)
    return found


_FIND_IN_FILES = """
import json, pathlib, sys
asked = json.loads(sys.argv[1])
found = []
for name in asked["files"]:
    file = pathlib.Path(name)
    data = file.read_bytes().lower() if file.exists() else b""
    lower = [value for value in asked["values"] if value.lower().encode() in data]
    found += [f"{file.name}: {value!r}" for value in lower]
print(json.dumps(found))
"""
