"""failed attempts kept in the database, shared by every API process

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 12:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import models.types
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('failed_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_failed_attempt_at'), 'failed_attempt', ['at'], unique=False)
    op.create_index(op.f('ix_failed_attempt_client'), 'failed_attempt', ['client'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_failed_attempt_client'), table_name='failed_attempt')
    op.drop_index(op.f('ix_failed_attempt_at'), table_name='failed_attempt')
    op.drop_table('failed_attempt')
