"""The service team's own notes: internal notes on a ticket, and notes on a customer. Only
the team reads or writes them (``models.access.sees_team_notes``); nobody is emailed of one,
and the audit trail says only that one was added (to the team)."""

import uuid
from collections.abc import Iterable

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.errors import Conflict, NotFound
from api.identity import Principal
from api.services.customers import load_customer
from api.services.paging import Page
from models.access import sees_team_notes
from models.audit import AuditEvent
from models.database import begin_write
from models.team_note import NoteCreate, NotePublic, TeamNote
from models.ticket import Ticket
from models.types import utcnow
from models.user import User

# What a note's author is called once their name is gone.
UNNAMED = "Service team"
PAGE_SIZE = 25
MAX_LIMIT = 100


def require_team(principal: Principal) -> None:
    """A customer's notes answer anyone else 404, as if they did not exist."""
    if not sees_team_notes(principal):
        raise NotFound("customer not found")


async def on_tickets(
    session: AsyncSession, tickets: Iterable[Ticket]
) -> dict[int, list[NotePublic]]:
    """The internal notes of these tickets, oldest first, by ticket id: one query, however
    many tickets. For the service team's eyes only: callers ask ``sees_team_notes`` first."""
    ids = [ticket.id for ticket in tickets if ticket.id is not None]
    if not ids:
        return {}
    notes = list(
        await session.exec(
            select(TeamNote).where(col(TeamNote.ticket_id).in_(ids)).order_by(col(TeamNote.id))
        )
    )
    by_ticket: dict[int, list[NotePublic]] = {}
    for note, shown in zip(notes, await _public(session, notes), strict=True):
        by_ticket.setdefault(note.ticket_id or 0, []).append(shown)
    return by_ticket


async def customer_notes(
    session: AsyncSession,
    principal: Principal,
    customer_id: uuid.UUID,
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> Page[NotePublic]:
    """The team's notes on the customer (its tickets' internal notes aside), newest first:
    ``limit`` of them from ``offset``."""
    require_team(principal)
    await load_customer(session, principal, customer_id)
    on_customer = (TeamNote.customer_id == customer_id, col(TeamNote.ticket_id).is_(None))
    total = await session.scalar(select(func.count()).select_from(TeamNote).where(*on_customer))
    notes = await session.exec(
        select(TeamNote)
        .where(*on_customer)
        .order_by(col(TeamNote.created_at).desc(), col(TeamNote.id).desc())
        .offset(offset)
        .limit(limit)
    )
    return Page(await _public(session, list(notes)), int(total or 0), limit, offset)


async def add_customer_note(
    session: AsyncSession,
    principal: Principal,
    customer_id: uuid.UUID,
    form: NoteCreate,
    form_key: str | None = None,
) -> NotePublic:
    """A note on the customer by the caller, dated now. ``form_key`` names the portal form
    that sends it: the same form sent again adds no second note."""
    require_team(principal)
    await load_customer(session, principal, customer_id)
    return await keep_note(session, principal, customer_id, None, form.body, form_key)


async def keep_note(
    session: AsyncSession,
    principal: Principal,
    customer_id: uuid.UUID,
    ticket: Ticket | None,
    body: str,
    form_key: str | None = None,
) -> NotePublic:
    """Store a note (on ``ticket``, else on the customer) with its audit event; a form
    (``form_key``) sent again gets the note it left the first time."""
    await begin_write(session)
    earlier = await _kept_before(session, principal, customer_id, ticket, form_key)
    if earlier is not None:
        return earlier
    now = utcnow()
    note = TeamNote(
        customer_id=customer_id,
        ticket_id=ticket.id if ticket else None,
        author_id=principal.user_id,
        body=body,
        form_key=form_key,
        created_at=now,
    )
    session.add(note)
    session.add(
        AuditEvent(
            customer_id=customer_id,
            request_id=ticket.request_id if ticket else None,
            actor=principal.actor,
            action="note_added",
            # Never the body: the audit trail names no one.
            detail={"ticket": ticket.number} if ticket else {},
            at=now,
        )
    )
    try:
        await session.commit()
    except IntegrityError:
        # The same form, sent at the same moment, left it first (PostgreSQL).
        await session.rollback()
        earlier = await _kept_before(session, principal, customer_id, ticket, form_key)
        if earlier is None:
            raise
        return earlier
    return (await _public(session, [note]))[0]


async def _kept_before(
    session: AsyncSession,
    principal: Principal,
    customer_id: uuid.UUID,
    ticket: Ticket | None,
    form_key: str | None,
) -> NotePublic | None:
    """The note this form left before, if it was sent before (the write begun for it ends,
    keeping what was read); another's form, or another page's, is never reused."""
    if form_key is None:
        return None
    note = (await session.exec(select(TeamNote).where(TeamNote.form_key == form_key))).first()
    if note is None:
        return None
    await session.commit()
    same_place = note.customer_id == customer_id and note.ticket_id == (
        ticket.id if ticket else None
    )
    if note.author_id != principal.user_id or not same_place:
        raise Conflict("this form was sent by someone else; reload the page and try again")
    return (await _public(session, [note]))[0]


async def _public(session: AsyncSession, notes: list[TeamNote]) -> list[NotePublic]:
    """The notes with their authors' names, read in one query."""
    author_ids = {note.author_id for note in notes if note.author_id}
    names: dict[uuid.UUID, str] = {}
    if author_ids:
        rows = await session.exec(select(User.id, User.name).where(col(User.id).in_(author_ids)))
        names = {user_id: name for user_id, name in rows.all() if name}
    return [
        NotePublic(
            id=note.id or 0,
            author_id=note.author_id,
            author=names.get(note.author_id, UNNAMED) if note.author_id else UNNAMED,
            body=note.body,
            created_at=note.created_at,
        )
        for note in notes
    ]
