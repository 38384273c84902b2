"""former contact details, form keys on tickets and comments, approval emails to outsiders (2026-12-07)."""
import sqlalchemy as sa
import sqlmodel

from alembic import op

revision, down_revision = '0008', '0007'


def upgrade() -> None:
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('former_details', sa.JSON(), nullable=False, server_default='[]'))

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_ticket_form_key'), ['form_key'])

    with op.batch_alter_table('ticket_comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_ticket_comment_form_key'), ['form_key'])

    with op.batch_alter_table('change_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outside_approval_emails', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('change_request', schema=None) as batch_op:
        batch_op.drop_column('outside_approval_emails')

    with op.batch_alter_table('ticket_comment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_ticket_comment_form_key'), type_='unique')
        batch_op.drop_column('form_key')

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_ticket_form_key'), type_='unique')
        batch_op.drop_column('form_key')

    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_column('former_details')
