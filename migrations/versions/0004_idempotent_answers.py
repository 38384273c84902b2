"""idempotent answers (2026-11-22)."""
import sqlalchemy as sa
import sqlmodel

import models.types
from alembic import op

revision, down_revision = '0004', '0003'


def upgrade() -> None:
    op.create_table('idempotent_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('caller_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('route', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('body_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('location', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('body', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('caller_hash', 'key')
    )


def downgrade() -> None:
    op.drop_table('idempotent_answer')
