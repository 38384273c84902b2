"""The migrations build exactly the schema the models declare."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

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
