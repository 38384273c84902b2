"""Run a command against a fresh PostgreSQL database, dropped afterwards.

python -m tests.throwaway_database postgresql://user@host:5432 -- pytest

Under pytest-xdist each worker makes a database of its own next to it (``worker_database``);
whatever a worker that died left behind is dropped here too.
"""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    server, command = argv[0].rstrip("/"), argv[2:]
    name = f"signoff_test_{uuid.uuid4().hex[:12]}"
    admin_url = f"{server}/postgres"
    create(admin_url, name)
    try:
        env = {**os.environ, "SIGNOFF_TEST_DATABASE_URL": f"{server}/{name}"}
        return subprocess.call(command, env=env)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            names = [row[0] for row in admin.execute("SELECT datname FROM pg_database")]
        for leftover in names:
            if leftover.startswith(f"{name}_"):
                drop(admin_url, leftover)
        drop(admin_url, name)


def create(admin_url: str, name: str) -> None:
    """A new empty database ``name`` (dropped first if one is left from an earlier run)."""
    drop(admin_url, name)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@contextmanager
def worker_database(url: str, worker: str) -> Iterator[str]:
    """The URL of a database of the worker's own on ``url``'s server, named after ``url``'s
    with the worker's id (``signoff_test_1234_gw0``): created empty, dropped afterwards."""
    named = make_url(url)
    name = f"{named.database}_{worker}"
    admin_url = named.set(drivername="postgresql", database="postgres")
    admin = admin_url.render_as_string(hide_password=False)
    create(admin, name)
    try:
        yield named.set(database=name).render_as_string(hide_password=False)
    finally:
        drop(admin, name)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
