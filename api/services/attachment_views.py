"""Files attached to tickets as the tickets show them: never their bytes."""

import uuid
from collections.abc import Iterable

from sqlalchemy.orm import defer
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.attachment import AttachmentPublic, TicketAttachment
from models.contact import Contact
from models.user import User


async def attachments_of(
    session: AsyncSession, ticket_ids: Iterable[int]
) -> dict[int, list[AttachmentPublic]]:
    """Each ticket's files, oldest first, without their bytes: in two queries however many."""
    kept = list(
        await session.exec(
            select(TicketAttachment)
            .options(defer(TicketAttachment.data))  # type: ignore[arg-type]
            .where(col(TicketAttachment.ticket_id).in_(list(ticket_ids)))
            .order_by(col(TicketAttachment.id))
        )
    )
    shown: dict[int, list[AttachmentPublic]] = {}
    for attachment, public in zip(kept, await present(session, kept), strict=True):
        shown.setdefault(attachment.ticket_id, []).append(public)
    return shown


async def present(
    session: AsyncSession, attachments: list[TicketAttachment]
) -> list[AttachmentPublic]:
    names = await _uploaders(session, {a.uploaded_by_id for a in attachments if a.uploaded_by_id})
    return [
        AttachmentPublic(
            id=attachment.id or 0,
            filename=attachment.filename,
            content_type=attachment.content_type,
            size=attachment.size,
            comment_id=attachment.comment_id,
            uploaded_by=names.get(attachment.uploaded_by_id, "former contact")
            if attachment.uploaded_by_id
            else "former contact",
            created_at=attachment.created_at,
        )
        for attachment in attachments
    ]


async def _uploaders(session: AsyncSession, user_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Who sent the files, named as the conversation names comments' authors."""
    if not user_ids:
        return {}
    rows = await session.exec(
        select(User, Contact)
        .join(Contact, col(Contact.id) == User.contact_id, isouter=True)
        .where(col(User.id).in_(user_ids))
    )
    names: dict[uuid.UUID, str] = {}
    for user, contact in rows:
        assert user.id is not None
        if user.is_staff:
            names[user.id] = f"{user.name or 'Service team'} (service team)"
        else:
            names[user.id] = (contact.display_name if contact else "") or "former contact"
    return names
