"""What a file must be to be attached to a ticket, and the room a ticket has for it: checked
before anything is kept, and again within the write that keeps it (by itself, or with the
reply it came with)."""

from dataclasses import dataclass

from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.errors import Conflict, TooLarge
from api.identity import Principal
from models.attachment import TicketAttachment
from models.audit import AuditEvent
from models.enums import TicketStatus
from models.file_types import REFUSED_KIND, content_type, display_name, too_large
from models.problems import Problem, ValidationProblems
from models.ticket import Ticket, TicketComment
from models.types import utcnow

# Where a problem with the file is, as the API's 422 says it.
FILE = ("body", "file")


class NoRoom(Conflict):
    """The ticket takes no more files: it is closed, or keeps as many as it may."""


@dataclass(frozen=True)
class Upload:
    """A file as it was sent: the name it came with, and its bytes (read no further than one
    byte past the limit)."""

    filename: str | None
    data: bytes


@dataclass(frozen=True)
class Limits:
    """``SIGNOFF_ATTACHMENT_MAX_BYTES`` and ``SIGNOFF_ATTACHMENTS_PER_TICKET``."""

    max_bytes: int
    per_ticket: int


def new_attachment(
    ticket: Ticket, upload: Upload, limits: Limits, principal: Principal
) -> TicketAttachment:
    """The file as a ticket keeps it, once its size and kind are right: too large answers
    413; empty, or of a kind a ticket does not take, 422."""
    assert ticket.id is not None
    if len(upload.data) > limits.max_bytes:
        raise TooLarge(too_large(limits.max_bytes))
    if not upload.data:
        raise ValidationProblems([Problem(FILE, "the file is empty")])
    kind = content_type(upload.data, upload.filename or "")
    if kind is None:
        raise ValidationProblems([Problem(FILE, REFUSED_KIND)])
    return TicketAttachment(
        ticket_id=ticket.id,
        filename=display_name(upload.filename, kind),
        content_type=kind,
        size=len(upload.data),
        data=upload.data,
        uploaded_by_id=principal.user_id,
        created_at=utcnow(),
    )


async def make_room(session: AsyncSession, ticket: Ticket, limits: Limits) -> None:
    """Within the write that adds a file: a closed ticket takes none, and a ticket keeps at
    most ``limits.per_ticket`` (409). The ticket's row is locked (PostgreSQL; SQLite's write
    lock is the database's), so that two files sent at once cannot pass the count together."""
    await session.exec(select(Ticket.id).where(Ticket.id == ticket.id).with_for_update())
    await session.refresh(ticket, ["status"])
    if ticket.status is TicketStatus.CLOSED:
        raise NoRoom("the ticket is closed and takes no more files: raise a new ticket")
    kept = await session.scalar(
        select(func.count()).where(col(TicketAttachment.ticket_id) == ticket.id)
    )
    if (kept or 0) >= limits.per_ticket:
        raise NoRoom(f"the ticket already keeps {limits.per_ticket} files, as many as a ticket may")


def audit_event(ticket: Ticket, attachment: TicketAttachment, actor: str) -> AuditEvent:
    """The file's id and size, never its name (it may name a person); the ticket as its own
    events name it, so that those who may not know of the ticket do not see this either."""
    return AuditEvent(
        customer_id=ticket.customer_id,
        actor=actor,
        action="attachment_added",
        detail={
            "ticket": ticket.number,
            "side": ticket.side.value,
            "shared": ticket.shared,
            "attachment": attachment.id,
            "size": attachment.size,
        },
        at=attachment.created_at,
    )


@dataclass(frozen=True)
class Attaching:
    """A file on its way to a ticket with the reply it came with (``gateway.keep_comment``)."""

    ticket: Ticket
    file: TicketAttachment
    limits: Limits
    actor: str

    async def keep(self, session: AsyncSession, comment: TicketComment) -> None:
        """Within the write that keeps ``comment``: the file, marked as the reply's."""
        await make_room(session, self.ticket, self.limits)
        await session.flush()
        self.file.comment_id = comment.id
        session.add(self.file)
        await session.flush()
        session.add(audit_event(self.ticket, self.file, self.actor))


async def take_back_files(session: AsyncSession, comment_id: int) -> None:
    """A reply taken back takes its file with it, and the file's audit event (within the
    write that takes the reply back)."""
    files = list(
        await session.exec(
            select(TicketAttachment.id, TicketAttachment.ticket_id).where(
                TicketAttachment.comment_id == comment_id
            )
        )
    )
    if not files:
        return
    ids = {file_id for file_id, _ in files}
    ticket = await session.get_one(Ticket, files[0][1])
    events = await session.exec(
        select(AuditEvent).where(
            AuditEvent.customer_id == ticket.customer_id,
            AuditEvent.action == "attachment_added",
        )
    )
    for event in events:
        if (event.detail or {}).get("attachment") in ids:
            await session.delete(event)
    await session.exec(delete(TicketAttachment).where(col(TicketAttachment.id).in_(ids)))
