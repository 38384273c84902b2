"""After an erasure SQLite's WAL is emptied into the database file; a reader that holds the
WAL puts it off (the housekeeping schedule tries again) instead of holding up writers."""

import sqlite3
from pathlib import Path

from sqlalchemy import text

from models.database import clear_erased, create_db_engine


async def test_the_wal_is_emptied_once_no_reader_holds_it(tmp_path: Path) -> None:
    path = tmp_path / "clear.db"
    engine = create_db_engine(f"sqlite:///{path}")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE note (body TEXT)"))
            await connection.execute(text("INSERT INTO note VALUES ('Timothy Ester')"))
        wal = path.with_name("clear.db-wal")
        assert wal.stat().st_size > 0
        # A reader in another connection, in the middle of a read.
        reader = sqlite3.connect(path, isolation_level=None)
        reader.execute("BEGIN")
        reader.execute("SELECT body FROM note").fetchall()
        async with engine.begin() as connection:
            await connection.execute(text("UPDATE note SET body = '[removed contact]'"))
        assert await clear_erased(engine) is False
        assert wal.stat().st_size > 0
        # Writers were not held up meanwhile.
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO note VALUES ('Teresa')"))
        reader.execute("COMMIT")
        reader.close()
        assert await clear_erased(engine) is True
        assert wal.stat().st_size == 0
    finally:
        await engine.dispose()
