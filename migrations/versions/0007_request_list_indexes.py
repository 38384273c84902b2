"""indexes for paging through requests by age (2026-12-01)."""
from alembic import op

revision, down_revision = '0007', '0006'


def upgrade() -> None:
    with op.batch_alter_table('change_request', schema=None) as batch_op:
        batch_op.create_index('ix_change_request_status_created_at', ['status', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_change_request_created_at', ['created_at', 'id'], unique=False)
        # The status index above serves every lookup by status alone too.
        batch_op.drop_index(batch_op.f('ix_change_request_status'))


def downgrade() -> None:
    with op.batch_alter_table('change_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_request_status'), ['status'], unique=False)
        batch_op.drop_index('ix_change_request_created_at')
        batch_op.drop_index('ix_change_request_status_created_at')
