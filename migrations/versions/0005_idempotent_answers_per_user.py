"""idempotent answers kept per user, expiring, erasable

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 09:30:00.000000

The answers kept so far are keyed by a hash of the caller's header, which names no user:
they are dropped (each lived for a retry's sake only).
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import models.types
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


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


def downgrade() -> None:
    op.drop_index(op.f('ix_idempotent_answer_expires_at'), table_name='idempotent_answer')
    op.drop_table('idempotent_answer')
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
