from collections.abc import Callable

import pytest
from sqlalchemy.engine import make_url

from models.database import async_url, sync_url

Convert = Callable[[str], str]


@pytest.mark.parametrize(
    "url, expected",
    [
        ("sqlite:///var/signoff.db", "sqlite+aiosqlite:///var/signoff.db"),
        ("sqlite:////srv/signoff/signoff.db", "sqlite+aiosqlite:////srv/signoff/signoff.db"),
        ("sqlite+pysqlite:///var/signoff.db", "sqlite+aiosqlite:///var/signoff.db"),
        ("sqlite+aiosqlite:///var/signoff.db", "sqlite+aiosqlite:///var/signoff.db"),
        ("postgresql://signoff@db:5432/signoff", "postgresql+psycopg://signoff@db:5432/signoff"),
        ("postgresql+psycopg2://signoff@db/signoff", "postgresql+psycopg://signoff@db/signoff"),
        ("postgresql+asyncpg://signoff@db/signoff", "postgresql+psycopg://signoff@db/signoff"),
    ],
)
def test_async_url_driver(url: str, expected: str) -> None:
    assert async_url(url) == expected


@pytest.mark.parametrize(
    "url, expected",
    [
        ("sqlite:///var/signoff.db", "sqlite:///var/signoff.db"),
        ("sqlite+aiosqlite:///var/signoff.db", "sqlite:///var/signoff.db"),
        ("postgresql://signoff@db:5432/signoff", "postgresql+psycopg://signoff@db:5432/signoff"),
        ("postgresql+asyncpg://signoff@db/signoff", "postgresql+psycopg://signoff@db/signoff"),
    ],
)
def test_sync_url_driver(url: str, expected: str) -> None:
    assert sync_url(url) == expected


@pytest.mark.parametrize("convert", [sync_url, async_url])
def test_password_is_preserved(convert: Convert) -> None:
    converted = make_url(convert("postgresql://signoff:s3cr%40t%3A%2Fpw@db:5432/signoff"))

    assert converted.password == "s3cr@t:/pw"
    assert converted.username == "signoff"
    assert converted.host == "db"
    assert converted.port == 5432
    assert converted.database == "signoff"


@pytest.mark.parametrize("convert", [sync_url, async_url])
def test_plain_password_is_not_masked(convert: Convert) -> None:
    assert ":s3cret@" in convert("postgresql://signoff:s3cret@db/signoff")


@pytest.mark.parametrize("convert", [sync_url, async_url])
def test_query_parameters_are_preserved(convert: Convert) -> None:
    converted = make_url(convert("postgresql://signoff@db/signoff?sslmode=require"))

    assert dict(converted.query) == {"sslmode": "require"}


@pytest.mark.parametrize("convert", [sync_url, async_url])
@pytest.mark.parametrize("database", ["var/signoff.db", "/srv/my data/signoff#1.db", ":memory:"])
def test_sqlite_database_path_survives(convert: Convert, database: str) -> None:
    assert make_url(convert(f"sqlite:///{database}")).database == database


@pytest.mark.parametrize("convert", [sync_url, async_url])
@pytest.mark.parametrize(
    "url",
    [
        "mysql://signoff:pw@db/signoff",
        "mysql+aiomysql://signoff:pw@db/signoff",
        "mssql+pyodbc://signoff:pw@db/signoff",
        "oracle://signoff:pw@db/signoff",
    ],
)
def test_unsupported_backend_is_rejected(convert: Convert, url: str) -> None:
    with pytest.raises(ValueError, match="unsupported database"):
        convert(url)
