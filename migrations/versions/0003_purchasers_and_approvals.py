"""purchasers and approvals (2026-11-22)."""
import sqlalchemy as sa
import sqlmodel

import models.types
from alembic import op

revision, down_revision = '0003', '0002'


def upgrade() -> None:
    op.create_table('approval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Uuid(), nullable=False),
    sa.Column('side', sa.Enum('customer', 'purchaser', name='side', native_enum=False, length=32), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', name='approvalstatus', native_enum=False, length=32), nullable=False),
    sa.Column('decided_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['change_request.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('request_id', 'side')
    )
    with op.batch_alter_table('approval', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_approval_request_id'), ['request_id'], unique=False)

    op.create_table('purchaser',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('street', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('city', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('postal_code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('country', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('responsibility', sa.Enum('financial', 'contractual', 'both', name='responsibility', native_enum=False, length=32), nullable=False),
    sa.Column('request_id', sa.Uuid(), nullable=True),
    sa.Column('assigned_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['request_id'], ['change_request.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('customer_id')
    )
    with op.batch_alter_table('ticket_comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('side', sa.Enum('customer', 'purchaser', name='side', native_enum=False, length=32), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('ticket_comment', schema=None) as batch_op:
        batch_op.drop_column('side')

    op.drop_table('purchaser')
    with op.batch_alter_table('approval', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_approval_request_id'))

    op.drop_table('approval')
