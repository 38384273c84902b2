"""Files attached to a ticket: checked by their content, kept in the database (so that every
API process serves them), given only to those who see the ticket. Lists never read a file's
bytes; a download reads one file's."""

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.errors import Conflict, NotFound
from api.identity import Principal
from api.services.attachment_checks import Limits, Upload, audit_event, make_room, new_attachment
from api.services.attachment_views import present
from api.services.tickets import load_ticket
from models.attachment import AttachmentPublic, TicketAttachment
from models.database import begin_write
from models.ids import ascii_number


async def attach(
    session: AsyncSession,
    principal: Principal,
    number: str,
    upload: Upload,
    limits: Limits,
    form_key: str | None = None,
) -> AttachmentPublic:
    """Attach a file to a ticket the caller sees. ``form_key`` names the portal form that
    sends it: the same form sent again keeps no second copy."""
    ticket = await load_ticket(session, principal, number)
    attachment = new_attachment(ticket, upload, limits, principal)
    attachment.form_key = form_key
    await begin_write(session)
    earlier = await _attached_before(session, form_key, principal)
    if earlier is not None:
        return (await present(session, [earlier]))[0]
    try:
        await make_room(session, ticket, limits)
        session.add(attachment)
        await session.flush()
    except Conflict:
        await session.rollback()
        raise
    except IntegrityError:
        # The same form, sent at the same moment, kept it first (PostgreSQL).
        await session.rollback()
        earlier = await _attached_before(session, form_key, principal)
        if earlier is None:
            raise
        return (await present(session, [earlier]))[0]
    session.add(audit_event(ticket, attachment, principal.actor))
    await session.commit()
    return (await present(session, [attachment]))[0]


async def _attached_before(
    session: AsyncSession, form_key: str | None, principal: Principal
) -> TicketAttachment | None:
    """The file the caller's form with this key attached, if it was sent before; it ends the
    write begun for it. Another's key is never theirs to reuse."""
    if form_key is None:
        return None
    earlier = (
        await session.exec(
            select(TicketAttachment)
            .options(defer(TicketAttachment.data))  # type: ignore[arg-type]
            .where(TicketAttachment.form_key == form_key)
        )
    ).first()
    if earlier is None:
        return None
    await session.commit()
    if earlier.uploaded_by_id != principal.user_id:
        raise Conflict("this form was sent by someone else; reload the page and try again")
    return earlier


async def download(
    session: AsyncSession, principal: Principal, number: str, attachment_id: str
) -> TicketAttachment:
    """A file of a ticket the caller sees, with its bytes; anyone else's answer is 404, as
    if there were no such file."""
    ticket = await load_ticket(session, principal, number)
    wanted = ascii_number(attachment_id, 18)
    found = (
        await session.exec(
            select(TicketAttachment).where(
                TicketAttachment.id == wanted, TicketAttachment.ticket_id == ticket.id
            )
        )
    ).first()
    if wanted is None or found is None:
        raise NotFound("attachment not found")
    return found
