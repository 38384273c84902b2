"""portal sessions and named api tokens (2026-12-01)."""
import sqlalchemy as sa
import sqlmodel

import models.types
from alembic import op

revision, down_revision = '0006', '0005'


def upgrade() -> None:
    op.create_table('portal_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_hash')
    )
    with op.batch_alter_table('portal_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_session_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_portal_session_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
        batch_op.add_column(sa.Column('form_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_api_token_form_key'), ['form_key'])



def downgrade() -> None:
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_api_token_form_key'), type_='unique')
        batch_op.drop_column('form_key')
        batch_op.drop_column('name')

    with op.batch_alter_table('portal_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_session_user_id'))
        batch_op.drop_index(batch_op.f('ix_portal_session_expires_at'))

    op.drop_table('portal_session')
