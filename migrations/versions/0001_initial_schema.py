"""initial schema (2026-11-22)."""
import sqlalchemy as sa
import sqlmodel

import models.types
from alembic import op

revision, down_revision = '0001', None


def upgrade() -> None:
    op.create_table('customer',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('legal_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('legal_street', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('legal_city', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('legal_postal_code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('legal_country', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('payment_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('payment_street', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('payment_city', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('payment_postal_code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('payment_country', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('contact',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('side', sa.Enum('customer', 'purchaser', name='side', native_enum=False, length=32), nullable=False),
    sa.Column('salutation', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('first_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('last_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('job_title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('removed_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email')
    )
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_customer_id'), ['customer_id'], unique=False)

    op.create_table('user_account',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('contact_id', sa.Uuid(), nullable=True),
    sa.Column('is_staff', sa.Boolean(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
    sa.Column('state', sa.Enum('pending_activation', 'active', 'archived', name='userstate', native_enum=False, length=32), nullable=False),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('archived_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('contact_id')
    )
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)

    op.create_table('change_request',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.Enum('profile_change', 'contact_change', 'purchaser_addition', 'purchaser_removal', name='requestkind', native_enum=False, length=32), nullable=False),
    sa.Column('status', sa.Enum('awaiting_approval', 'in_review', 'implemented', 'rejected', 'declined', 'cancelled', 'expired', name='requeststatus', native_enum=False, length=32), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('requester_id', sa.Uuid(), nullable=False),
    sa.Column('requested', sa.JSON(), nullable=True),
    sa.Column('ticket_number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('workflow_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('run_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['requester_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('change_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_request_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_request_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_request_ticket_number'), ['ticket_number'], unique=False)

    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('request_id', sa.Uuid(), nullable=True),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['request_id'], ['change_request.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_request_id'), ['request_id'], unique=False)

    op.create_table('email_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('event', sa.Enum('request_received', 'ticket_comment', 'request_implemented', 'request_declined', 'request_cancelled', 'review_reminder', name='emailevent', native_enum=False, length=32), nullable=False),
    sa.Column('request_id', sa.Uuid(), nullable=True),
    sa.Column('to_address', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('sent_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('failure', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['change_request.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('email_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_email_log_request_id'), ['request_id'], unique=False)

    op.create_table('ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('request_id', sa.Uuid(), nullable=True),
    sa.Column('side', sa.Enum('customer', 'purchaser', name='side', native_enum=False, length=32), nullable=False),
    sa.Column('shared', sa.Boolean(), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('raised_by_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['raised_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['request_id'], ['change_request.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number'),
    sa.UniqueConstraint('request_id')
    )
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_customer_id'), ['customer_id'], unique=False)

    op.create_table('ticket_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Uuid(), nullable=True),
    sa.Column('kind', sa.Enum('comment', 'decline_reason', name='commentkind', native_enum=False, length=32), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ticket_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_comment_ticket_id'), ['ticket_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ticket_comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_comment_ticket_id'))

    op.drop_table('ticket_comment')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_customer_id'))

    op.drop_table('ticket')
    with op.batch_alter_table('email_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_log_request_id'))

    op.drop_table('email_log')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_request_id'))
        batch_op.drop_index(batch_op.f('ix_audit_event_customer_id'))

    op.drop_table('audit_event')
    with op.batch_alter_table('change_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_change_request_ticket_number'))
        batch_op.drop_index(batch_op.f('ix_change_request_status'))
        batch_op.drop_index(batch_op.f('ix_change_request_customer_id'))

    op.drop_table('change_request')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))

    op.drop_table('api_token')
    op.drop_table('user_account')
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_customer_id'))

    op.drop_table('contact')
    op.drop_table('customer')
