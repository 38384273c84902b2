"""Every table, imported in one place so the metadata is complete (Alembic, tests)."""

from sqlmodel import SQLModel

from models.approval import Approval
from models.attachment import TicketAttachment
from models.audit import AuditEvent
from models.contact import Contact
from models.customer import Customer
from models.email_log import EmailLog
from models.failed_attempt import FailedAttempt
from models.idempotency import IdempotentAnswer
from models.link import LinkToken
from models.portal_session import PortalSession
from models.purchaser import Purchaser
from models.request import ChangeRequest
from models.team_note import TeamNote
from models.ticket import Ticket, TicketComment
from models.ticket_participant import TicketParticipant
from models.user import ApiToken, User

metadata = SQLModel.metadata

__all__ = [
    "ApiToken",
    "Approval",
    "AuditEvent",
    "ChangeRequest",
    "Contact",
    "Customer",
    "EmailLog",
    "FailedAttempt",
    "IdempotentAnswer",
    "LinkToken",
    "PortalSession",
    "Purchaser",
    "TeamNote",
    "Ticket",
    "TicketAttachment",
    "TicketComment",
    "TicketParticipant",
    "User",
    "metadata",
]
