"""link tokens and request outcome (2026-11-22)."""
import sqlalchemy as sa
import sqlmodel

import models.types
from alembic import op

revision, down_revision = '0002', '0001'


def upgrade() -> None:
    op.create_table('link_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('activation', name='linkpurpose', native_enum=False, length=32), nullable=False),
    sa.Column('nonce', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=True),
    sa.Column('request_id', sa.Uuid(), nullable=True),
    sa.Column('side', sa.Enum('customer', 'purchaser', name='side', native_enum=False, length=32), nullable=True),
    sa.Column('expires_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['change_request.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('nonce'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('link_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_token_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_link_token_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('change_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.JSON(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('change_request', schema=None) as batch_op:
        batch_op.drop_column('outcome')

    with op.batch_alter_table('link_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_token_user_id'))
        batch_op.drop_index(batch_op.f('ix_link_token_request_id'))

    op.drop_table('link_token')
