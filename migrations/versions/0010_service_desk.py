"""The service desk: ticket status, owners, service targets, notes, copied contacts,
attachments and the messages sent to a customer (2026-12-07)."""
import contextlib
import uuid

import sqlalchemy as sa
import sqlmodel

import models.types
from alembic import op

revision, down_revision = '0010', '0009'


def upgrade() -> None:
    op.create_table('team_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Uuid(), nullable=True),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('form_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('form_key')
    )
    with op.batch_alter_table('team_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_note_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_team_note_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('ticket_participant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Uuid(), nullable=False),
    sa.Column('added_by_id', sa.Uuid(), nullable=True),
    sa.Column('added_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['added_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ticket_id', 'contact_id')
    )
    with op.batch_alter_table('ticket_participant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_participant_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_participant_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('ticket_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by_id', sa.Uuid(), nullable=True),
    sa.Column('form_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['comment_id'], ['ticket_comment.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('form_key')
    )
    with op.batch_alter_table('ticket_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_attachment_ticket_id'), ['ticket_id'], unique=False)

    with op.batch_alter_table('email_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_email_log_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_email_log_customer_id_sent_at', ['customer_id', 'sent_at'], unique=False)
        batch_op.create_foreign_key('fk_email_log_customer_id_customer', 'customer', ['customer_id'], ['id'])

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.Enum('open', 'waiting_for_customer', 'resolved', 'closed', name='ticketstatus', native_enum=False, length=32), server_default='open', nullable=False))
        batch_op.add_column(sa.Column('owner_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('first_response_due_at', models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('first_responded_at', models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('resolution_due_at', models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('resolution_left_seconds', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('breached', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('resolved_at', models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closed_at', models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('updated_at', models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('revision', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index(batch_op.f('ix_ticket_owner_id'), ['owner_id'], unique=False)
        batch_op.create_foreign_key('fk_ticket_owner_id_user_account', 'user_account', ['owner_id'], ['id'])
        batch_op.create_index('ix_ticket_status_created_at', ['status', 'created_at'], unique=False)

    # A closed request's ticket is resolved; an email about a request went to its customer.
    op.execute(
        "UPDATE ticket SET status = 'resolved', resolved_at = (SELECT closed_at FROM "
        "change_request WHERE change_request.id = ticket.request_id) WHERE request_id IN "
        "(SELECT id FROM change_request WHERE closed_at IS NOT NULL)"
    )
    op.execute(
        "UPDATE email_log SET customer_id = (SELECT customer_id FROM change_request WHERE "
        "change_request.id = email_log.request_id) WHERE request_id IS NOT NULL"
    )
    _email_customers_by_key()


def _email_customers_by_key() -> None:
    """The emails no request was about went to a customer's people too: a ticket's news, a
    contact's welcome and sign-in link. Their keys name the ticket, the contact, the link
    (read in Python: the databases write a uuid as text differently)."""
    bind = op.get_bind()
    log = sa.table('email_log', sa.column('id', sa.Integer()), sa.column('key', sa.String()),
                   sa.column('customer_id', sa.Uuid()))
    ticket = sa.table('ticket', sa.column('number', sa.String()), sa.column('customer_id', sa.Uuid()))
    contact = sa.table('contact', sa.column('id', sa.Uuid()), sa.column('customer_id', sa.Uuid()))
    user = sa.table('user_account', sa.column('id', sa.Uuid()), sa.column('contact_id', sa.Uuid()))
    link = sa.table('link_token', sa.column('id', sa.Integer()), sa.column('user_id', sa.Uuid()))
    tickets = dict(bind.execute(sa.select(ticket.c.number, ticket.c.customer_id)).all())
    contacts = dict(bind.execute(sa.select(contact.c.id, contact.c.customer_id)).all())
    users = dict(bind.execute(sa.select(user.c.id, user.c.contact_id)).all())
    links = dict(bind.execute(sa.select(link.c.id, link.c.user_id)).all())

    def customer_of(key: str) -> uuid.UUID | None:
        if key.startswith('ticket-'):
            return tickets.get(key.removeprefix('ticket-').split('/', 1)[0])
        if key.startswith('welcome-'):
            with contextlib.suppress(ValueError):
                return contacts.get(uuid.UUID(key.removeprefix('welcome-')))
        if key.startswith('sign-in-'):
            link_id = key.removeprefix('sign-in-').split('-', 1)[0]
            user_id = links.get(int(link_id)) if link_id.isdigit() else None
            return contacts.get(users.get(user_id))
        return None

    unknown = bind.execute(sa.select(log.c.id, log.c.key).where(log.c.customer_id.is_(None)))
    found = [
        {'row': row_id, 'customer': customer}
        for row_id, key in unknown.all()
        if (customer := customer_of(key)) is not None
    ]
    if found:
        bind.execute(
            sa.update(log).where(log.c.id == sa.bindparam('row'))
            .values(customer_id=sa.bindparam('customer')),
            found,
        )




def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_status_created_at')
        batch_op.drop_constraint('fk_ticket_owner_id_user_account', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_ticket_owner_id'))
        batch_op.drop_column('revision')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('resolved_at')
        batch_op.drop_column('breached')
        batch_op.drop_column('resolution_left_seconds')
        batch_op.drop_column('resolution_due_at')
        batch_op.drop_column('first_responded_at')
        batch_op.drop_column('first_response_due_at')
        batch_op.drop_column('owner_id')
        batch_op.drop_column('status')

    with op.batch_alter_table('email_log', schema=None) as batch_op:
        batch_op.drop_constraint('fk_email_log_customer_id_customer', type_='foreignkey')
        batch_op.drop_index('ix_email_log_customer_id_sent_at')
        batch_op.drop_index(batch_op.f('ix_email_log_customer_id'))
        batch_op.drop_column('customer_id')

    with op.batch_alter_table('ticket_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_attachment_ticket_id'))

    op.drop_table('ticket_attachment')
    with op.batch_alter_table('ticket_participant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_participant_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_participant_contact_id'))

    op.drop_table('ticket_participant')
    with op.batch_alter_table('team_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_note_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_team_note_customer_id'))

    op.drop_table('team_note')

