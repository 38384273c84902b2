"""The migrations build exactly the schema the models declare."""

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from migrations import alembic_config
from models.database import create_sync_engine
from models.tables import metadata


def test_models_and_migrations_agree(database_url: str) -> None:
    engine = create_sync_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == [], "run: alembic revision --autogenerate"
    finally:
        engine.dispose()


def test_emails_sent_before_know_their_customer(tmp_path: Path) -> None:
    """0010 finds the customer of each email already logged: a request's by the request,
    a ticket's by its number, a welcome's and a sign-in link's by the contact."""
    url = f"sqlite:///{tmp_path / 'before.db'}"
    command.upgrade(alembic_config(url), "0009")
    ours, theirs, contact_id, user_id = (uuid.uuid4() for _ in range(4))

    def table(name: str, *columns: tuple[str, sa.types.TypeEngine[Any]]) -> sa.TableClause:
        return sa.table(name, *(sa.column(column, kind) for column, kind in columns))

    text, number, key = sa.String(), sa.Integer(), sa.Uuid()
    address = {
        f"{part}_{field}": value
        for part in ("legal", "payment")
        for field, value in (("street", "1 Row"), ("city", "Leeds"), ("postal_code", "LS1"))
    }
    customer = table(
        "customer",
        ("id", key),
        ("legal_name", text),
        ("payment_name", text),
        ("legal_country", text),
        ("payment_country", text),
        *((name, text) for name in address),
    )
    engine = create_sync_engine(url)
    try:
        with engine.begin() as connection:
            for customer_id, name in ((ours, "Ours plc"), (theirs, "Theirs Ltd")):
                connection.execute(
                    sa.insert(customer).values(
                        id=customer_id,
                        legal_name=name,
                        payment_name=name,
                        legal_country="GB",
                        payment_country="GB",
                        **address,
                    )
                )
            connection.execute(
                sa.insert(
                    table(
                        "contact",
                        ("id", key),
                        ("customer_id", key),
                        ("side", text),
                        ("roles", sa.JSON()),
                    )
                ).values(id=contact_id, customer_id=ours, side="customer", roles=[])
            )
            connection.execute(
                sa.insert(
                    table(
                        "user_account",
                        ("id", key),
                        ("contact_id", key),
                        ("is_staff", sa.Boolean()),
                        ("state", text),
                    )
                ).values(id=user_id, contact_id=contact_id, is_staff=False, state="active")
            )
            connection.execute(
                sa.insert(
                    table(
                        "link_token",
                        ("id", number),
                        ("user_id", key),
                        ("purpose", text),
                        ("nonce", text),
                        ("token_hash", text),
                        ("expires_at", sa.DateTime()),
                    )
                ).values(
                    id=7,
                    user_id=user_id,
                    purpose="sign_in",
                    nonce="n",
                    token_hash="h",
                    expires_at=datetime(2026, 1, 1),
                )
            )
            connection.execute(
                sa.insert(
                    table(
                        "ticket",
                        ("id", number),
                        ("number", text),
                        ("customer_id", key),
                        ("side", text),
                        ("shared", sa.Boolean()),
                        ("subject", text),
                        ("body", text),
                    )
                ).values(
                    id=12,
                    number="SO-00012",
                    customer_id=theirs,
                    side="customer",
                    shared=False,
                    subject="S",
                    body="B",
                )
            )
            log = table(
                "email_log",
                ("id", number),
                ("key", text),
                ("event", text),
                ("subject", text),
                ("message_id", text),
                ("sent_at", sa.DateTime()),
            )
            for row, email_key in enumerate(
                (
                    "ticket-SO-00012/comment-3",
                    f"welcome-{contact_id}",
                    "sign-in-7-20260101T000000000000",
                    "sign-in-8-20260101T000000000000",
                    "ticket-SO-00099/raised",
                ),
                start=1,
            ):
                connection.execute(
                    sa.insert(log).values(
                        id=row,
                        key=email_key,
                        event="welcome",
                        subject="S",
                        message_id=f"<{row}>",
                        sent_at=datetime(2026, 1, 1),
                    )
                )
        command.upgrade(alembic_config(url), "head")
        found = sa.table("email_log", sa.column("key", text), sa.column("customer_id", key))
        with engine.connect() as connection:
            customers = dict(connection.execute(sa.select(found.c.key, found.c.customer_id)).all())
    finally:
        engine.dispose()
    assert customers == {
        "ticket-SO-00012/comment-3": theirs,
        f"welcome-{contact_id}": ours,
        "sign-in-7-20260101T000000000000": ours,
        # A purged link, a ticket gone: nobody to say.
        "sign-in-8-20260101T000000000000": None,
        "ticket-SO-00099/raised": None,
    }
