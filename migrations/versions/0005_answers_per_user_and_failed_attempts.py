"""idempotent answers kept per user, expiring and erasable; failed attempts (2026-12-01).

The answers kept so far are keyed by a hash of the caller's header, which names no user:
they are dropped (each lived only for a retry's sake).
"""
import importlib

import sqlalchemy as sa
import sqlmodel

import models.types
from alembic import op

revision, down_revision = '0005', '0004'


def upgrade() -> None:
    op.drop_table('idempotent_answer')
    op.create_table('idempotent_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('route', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('body_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('location', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('body', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('erased_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'key')
    )
    op.create_index(op.f('ix_idempotent_answer_expires_at'), 'idempotent_answer', ['expires_at'], unique=False)
    op.create_table('failed_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_failed_attempt_at'), 'failed_attempt', ['at'], unique=False)
    op.create_index(op.f('ix_failed_attempt_client'), 'failed_attempt', ['client'], unique=False)


def downgrade() -> None:
    op.drop_table('failed_attempt')
    op.drop_table('idempotent_answer')
    # The table as revision 0004 made it.
    importlib.import_module('migrations.versions.0004_idempotent_answers').upgrade()
