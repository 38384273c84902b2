"""Run a command against a fresh PostgreSQL database, dropped afterwards.

python -m tests.throwaway_database postgresql://user@host:5432 -- pytest
"""

import os
import subprocess
import sys
import uuid

import psycopg
from psycopg import sql


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    server, command = argv[0].rstrip("/"), argv[2:]
    name = f"signoff_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        env = {**os.environ, "SIGNOFF_TEST_DATABASE_URL": f"{server}/{name}"}
        return subprocess.call(command, env=env)
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
