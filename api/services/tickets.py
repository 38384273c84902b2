"""Tickets as the caller may see them, and comments on them; who should hear is emailed."""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api import gateway
from api.errors import Conflict, Forbidden, NotFound
from api.identity import Principal
from api.services import team_notes, ticket_desk
from api.services.attachment_checks import FILE, Attaching, Limits, Upload, new_attachment
from api.services.attachment_views import attachments_of
from api.services.ticket_desk import (
    CLOSED,
    PAGE_SIZE,
    Ownership,
    TicketFilters,
    TicketPage,
    breached_now,
    due_order,
)
from models.access import TicketFacts, may_raise_ticket, sees_team_notes, sees_ticket
from models.approval import Approval
from models.audit import AuditEvent
from models.conversation import Email, capacity, on_comment, on_copied, on_ticket_raised
from models.customer import Customer
from models.database import begin_write
from models.enums import Capacity, CommentKind, Side, TicketStatus
from models.kinds import KINDS
from models.payloads import Notification, TicketNotice
from models.personal_data import approver_named
from models.problems import Problem, ValidationProblems
from models.queries import Authors, authors, copied_on, purchaser_of
from models.request import ChangeRequest
from models.sla import Targets, clock_of, open_ticket, targets_of
from models.team_note import NoteCreate, NotePublic
from models.ticket import (
    CommentCreate,
    CommentPublic,
    TargetPublic,
    Ticket,
    TicketComment,
    TicketCreate,
    TicketPublic,
    ticket_number,
)
from models.ticket_participant import ParticipantPublic, TicketParticipant
from models.types import utcnow
from models.user import User

# Approvers have no way to the ticket's files: what the service team sends them is words.
_NOT_TO_APPROVERS = "a file cannot go to an approver: approvers cannot open the ticket's files"


async def _visible_conditions(
    session: AsyncSession, principal: Principal
) -> list[ColumnElement[bool]] | None:
    """``models.access.sees_ticket`` as conditions on the ticket table: each side sees its
    own tickets and the other side's shared ones; a purchaser's contacts nothing from before
    their purchaser was assigned. None when the caller sees no ticket at all."""
    if principal.is_staff:
        return []
    if principal.customer_id is None or principal.side is None:
        return None
    conditions: list[ColumnElement[bool]] = [
        col(Ticket.customer_id) == principal.customer_id,
        or_(col(Ticket.side) == principal.side, col(Ticket.shared).is_(True)),
    ]
    if principal.side is Side.PURCHASER:
        purchaser = await purchaser_of(session, principal.customer_id)
        if purchaser is None:
            return None
        conditions.append(col(Ticket.created_at) >= purchaser.assigned_at)
    return conditions


def _filtered(
    principal: Principal, filters: TicketFilters, now: datetime
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.customer_id is not None:
        conditions.append(col(Ticket.customer_id) == filters.customer_id)
    if filters.status is not None:
        conditions.append(col(Ticket.status) == filters.status)
    if filters.owner is Ownership.MINE:
        conditions.append(col(Ticket.owner_id) == principal.user_id)
    elif filters.owner is Ownership.UNASSIGNED:
        conditions.append(col(Ticket.owner_id).is_(None))
    if filters.breached:
        conditions.append(breached_now(now))
    return conditions


async def list_tickets(
    session: AsyncSession,
    principal: Principal,
    filters: TicketFilters | None = None,
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> TicketPage:
    """The tickets the caller may see that match ``filters``, newest first (or the soonest
    due first): ``limit`` of them from ``offset``, how many matched, and how many the
    caller sees of each status (the other filters applied)."""
    filters = filters or TicketFilters()
    visible = await _visible_conditions(session, principal)
    if visible is None:
        return TicketPage([], 0, {status: 0 for status in TicketStatus})
    now = utcnow()
    conditions = [*visible, *_filtered(principal, replace(filters, status=None), now)]
    counted = await session.exec(
        select(Ticket.status, func.count()).where(*conditions).group_by(col(Ticket.status))
    )
    by_status = {status: 0 for status in TicketStatus}
    by_status.update({TicketStatus(status): int(count) for status, count in counted.all()})
    if filters.status is not None:
        conditions.append(col(Ticket.status) == filters.status)
    total = by_status[filters.status] if filters.status else sum(by_status.values())
    newest = (col(Ticket.id).desc(),)
    order = (due_order().asc().nulls_last(), *newest) if filters.soonest_due else newest
    rows = await session.exec(
        select(Ticket).where(*conditions).order_by(*order).offset(offset).limit(limit)
    )
    return TicketPage(await _present_all(session, list(rows), principal), total, by_status)


async def load_ticket(session: AsyncSession, principal: Principal, number: str) -> Ticket:
    """A ticket the caller may see; one they may not answers 404, like one that does not exist."""
    visible = await _visible_conditions(session, principal)
    found = (
        None
        if visible is None
        else (await session.exec(select(Ticket).where(Ticket.number == number, *visible))).first()
    )
    if found is None:
        raise NotFound("ticket not found")
    return found


async def raise_ticket(
    session: AsyncSession,
    temporal: Client,
    task_queue: str,
    targets: Targets,
    principal: Principal,
    form: TicketCreate,
    form_key: str | None = None,
) -> TicketPublic:
    """A support ticket of the caller's side, shared with the other organisation if asked.
    ``form_key`` names the portal form that asks: the same form sent again (a double click,
    a reload) gets the ticket it raised, and nobody is told twice."""
    if not may_raise_ticket(principal):
        raise Forbidden("tickets are raised by customer and purchaser contacts")
    assert principal.customer_id is not None and principal.side is not None
    if form.shared and await purchaser_of(session, principal.customer_id) is None:
        raise ValidationProblems(
            [Problem(("body", "shared"), "there is no purchaser organisation to share with")]
        )
    now = utcnow()
    await begin_write(session)
    earlier = await _raised_before(session, form_key, principal)
    if earlier is not None:
        return await _present(session, earlier, principal)
    ticket = Ticket(
        customer_id=principal.customer_id,
        side=principal.side,
        shared=form.shared,
        subject=form.subject,
        body=form.body,
        raised_by_id=principal.user_id,
        form_key=form_key,
        created_at=now,
    )
    session.add(ticket)
    try:
        await session.flush()
    except IntegrityError:
        # The same form, sent at the same moment, raised it first (PostgreSQL).
        await session.rollback()
        earlier = await _raised_before(session, form_key, principal)
        if earlier is None:
            raise
        return await _present(session, earlier, principal)
    assert ticket.id is not None
    ticket.number = ticket_number(ticket.id)
    open_ticket(ticket, now, targets)
    raised = AuditEvent(
        customer_id=principal.customer_id,
        actor=principal.actor,
        action="ticket_raised",
        detail={"ticket": ticket.number, "side": principal.side.value, "shared": form.shared},
        at=now,
    )
    session.add(raised)
    await session.commit()

    async def take_back() -> None:
        await begin_write(session)
        await session.delete(raised)
        await session.delete(ticket)
        await session.commit()

    notice = _notice(ticket, None, on_ticket_raised(), now)
    news = _news_id(ticket, "raised", now)
    await gateway.tell_clock(temporal, task_queue, clock_of(ticket), targets, take_back)
    await gateway.announce(temporal, task_queue, news, notice, take_back)
    return await _present(session, ticket, principal)


async def ticket_view(session: AsyncSession, principal: Principal, number: str) -> TicketPublic:
    return await _present(session, await load_ticket(session, principal, number), principal)


async def add_comment(
    session: AsyncSession,
    temporal: Client,
    task_queue: str,
    targets: Targets,
    principal: Principal,
    number: str,
    form: CommentCreate,
    form_key: str | None = None,
    upload: Upload | None = None,
    limits: Limits | None = None,
) -> CommentPublic:
    """Store the comment, and have whoever should hear of it emailed. ``form_key`` names the
    portal form that sends it: the same form sent again adds nothing and tells nobody. A
    file it carries (``upload``, within ``limits``) is kept with it, or neither is."""
    ticket = await load_ticket(session, principal, number)
    assert ticket.id is not None
    if ticket.status is TicketStatus.CLOSED:
        raise Conflict(CLOSED)
    request = await session.get(ChangeRequest, ticket.request_id) if ticket.request_id else None
    if form.to_approver is not None:
        await _check_reply_to_approver(session, principal, request, form.to_approver)
    attaching = None
    if upload is not None:
        assert limits is not None
        if form.to_approver is not None:
            raise ValidationProblems([Problem(FILE, _NOT_TO_APPROVERS)])
        file = new_attachment(ticket, upload, limits, principal)
        attaching = Attaching(ticket, file, limits, principal.actor)
    kind = CommentKind.REPLY_TO_APPROVER if form.to_approver else CommentKind.COMMENT
    comment, new = await gateway.keep_comment(
        session,
        ticket.id,
        kind,
        form.body,
        principal.user_id,
        form.to_approver,
        form_key,
        attaching,
    )
    if not new:
        if comment.author_id != principal.user_id:
            raise Conflict("this form was sent by someone else; reload the page and try again")
        await session.refresh(ticket)
        return _comments(ticket, [comment], await authors(session, [comment], [ticket]))[0]
    by_requester = request is not None and request.requester_id == principal.user_id
    written_as = capacity(kind, principal.is_staff, by_requester)
    await announce_comment(
        session, temporal, task_queue, targets, ticket, request, comment, written_as
    )
    return _comments(ticket, [comment], await authors(session, [comment], [ticket]))[0]


async def add_note(
    session: AsyncSession,
    principal: Principal,
    number: str,
    form: NoteCreate,
    form_key: str | None = None,
) -> NotePublic:
    """An internal note on the ticket, for the service team alone: nobody is emailed. A
    contact who sees the ticket is refused (403); one who does not, told it is not found.
    ``form_key`` names the portal form that sends it: sent again, it adds nothing."""
    ticket = await load_ticket(session, principal, number)
    if not sees_team_notes(principal):
        raise Forbidden("internal notes are the service team's")
    return await team_notes.keep_note(
        session, principal, ticket.customer_id, ticket, form.body, form_key
    )


async def _raised_before(
    session: AsyncSession, form_key: str | None, principal: Principal
) -> Ticket | None:
    """The ticket the caller's form with this key raised, if it was sent before; it ends the
    write begun for it. Another's key is never theirs to reuse."""
    if form_key is None:
        return None
    earlier = (await session.exec(select(Ticket).where(Ticket.form_key == form_key))).first()
    if earlier is None:
        return None
    # Nothing was written: the write ends, keeping what was read.
    await session.commit()
    if earlier.raised_by_id != principal.user_id:
        raise Conflict("this form was sent by someone else; reload the page and try again")
    return earlier


def _news_id(ticket: Ticket, what: str, at: datetime) -> str:
    """Unique to one piece of news, even were a taken-back row's id given again."""
    return f"{ticket.customer_id}/{ticket.number}/{what}-{at:%Y%m%dT%H%M%S%f}"


async def announce_comment(
    session: AsyncSession,
    temporal: Client,
    task_queue: str,
    targets: Targets,
    ticket: Ticket,
    request: ChangeRequest | None,
    comment: TicketComment,
    written_as: Capacity,
) -> None:
    """Move the ticket on (whose turn it is now), tell its clock, and have whoever should
    hear of a stored comment emailed; if that cannot be arranged, the comment is taken back
    (503)."""
    comment_id = comment.id
    assert comment_id is not None
    await ticket_desk.move_on(
        session, temporal, task_queue, targets, ticket, written_as, comment.created_at
    )
    to_approver = comment.side if comment.kind is CommentKind.REPLY_TO_APPROVER else None
    raiser = await raiser_contact(session, ticket)
    # The raiser (a request's requester) hears as such: never as a copy too.
    copied = [
        str(c.id) for _, c in await copied_on(session, [comment.ticket_id]) if str(c.id) != raiser
    ]
    emails = on_comment(
        comment_id,
        written_as,
        to_approver,
        of_request=request is not None,
        raiser_contact_id=raiser if request is None else None,
        copied_contact_ids=copied,
    )
    await gateway.announce(
        temporal,
        task_queue,
        _news_id(ticket, f"comment-{comment_id}", comment.created_at),
        _notice(ticket, request, emails, comment.created_at, comment_id),
        lambda: gateway.take_back_comment(session, comment_id),
    )


async def approver_sides(
    session: AsyncSession, principal: Principal, request: ChangeRequest | None
) -> list[Side]:
    """The sides whose approver the caller's reply may go to: only the service team answers
    approvers, and only those the request asked whose details are still kept."""
    if not principal.is_staff or request is None:
        return []
    asked = await session.exec(
        select(Approval).where(Approval.request_id == request.id).order_by(col(Approval.id))
    )
    people = KINDS[request.kind].people
    return [
        approval.side
        for approval in asked
        if approver_named(people, request.requested or {}, approval.side) is not None
    ]


async def _check_reply_to_approver(
    session: AsyncSession, principal: Principal, request: ChangeRequest | None, side: Side
) -> None:
    """A reply may go to an approver of ``approver_sides``; why one may not, if not."""
    if side in await approver_sides(session, principal, request):
        return
    if not principal.is_staff:
        raise Forbidden("only the service team replies to approvers")
    asked = request is not None and await session.scalar(
        select(Approval.id).where(Approval.request_id == request.id, Approval.side == side)
    )
    if not asked:
        raise ValidationProblems(
            [Problem(("body", "to_approver"), f"this ticket's request asked no {side} approver")]
        )
    raise Conflict(
        f"the {side}'s approver can no longer be reached: their details were erased when "
        "the request closed"
    )


async def raiser_contact(session: AsyncSession, ticket: Ticket) -> str | None:
    """The contact who raised the ticket (a request's ticket: its requester), if a contact
    did."""
    raiser = await session.get(User, ticket.raised_by_id) if ticket.raised_by_id else None
    return str(raiser.contact_id) if raiser and raiser.contact_id else None


async def announce_copied(
    session: AsyncSession,
    temporal: Client,
    task_queue: str,
    ticket: Ticket,
    participant: TicketParticipant,
    take_back: Callable[[], Awaitable[None]],
) -> None:
    """Have a contact just copied on the ticket told so; if that cannot be arranged, the copy
    is taken back (503)."""
    request = await session.get(ChangeRequest, ticket.request_id) if ticket.request_id else None
    emails = on_copied(str(participant.contact_id), participant.added_at)
    news = _news_id(ticket, f"copied-{participant.contact_id}", participant.added_at)
    notice = _notice(ticket, request, emails, participant.added_at)
    await gateway.announce(temporal, task_queue, news, notice, take_back)


def _notice(
    ticket: Ticket,
    request: ChangeRequest | None,
    emails: list[Email],
    at: datetime,
    comment_id: int | None = None,
) -> TicketNotice:
    """The notifications of ``emails``: about the request, or the ticket that has none."""
    prefix = str(request.id) if request else f"ticket-{ticket.number}"
    return TicketNotice(
        tuple(
            Notification(
                key=f"{prefix}/{email.step}",
                event=email.event,
                audience=email.audience,
                request_id=str(request.id) if request else None,
                at=at,
                comment_id=comment_id,
                contact_id=email.contact_id,
                side=email.side,
                ticket_number=None if request else ticket.number,
            )
            for email in emails
        )
    )


async def _present(session: AsyncSession, ticket: Ticket, principal: Principal) -> TicketPublic:
    return (await _present_all(session, [ticket], principal))[0]


async def _present_all(
    session: AsyncSession, tickets: list[Ticket], principal: Principal
) -> list[TicketPublic]:
    """The tickets with their conversations, in a query per table however many they are;
    the service team's internal notes only for the service team (nobody else ever gets them)."""
    if not tickets:
        return []
    ids = [ticket.id for ticket in tickets]
    comments = list(
        await session.exec(
            select(TicketComment)
            .where(col(TicketComment.ticket_id).in_(ids))
            .order_by(col(TicketComment.id))
        )
    )
    named = await authors(session, comments, tickets)
    owners = await ticket_desk.owners(session, tickets)
    attached = await attachments_of(session, [ticket.id for ticket in tickets if ticket.id])
    by_ticket: dict[int, list[TicketComment]] = {}
    for comment in comments:
        by_ticket.setdefault(comment.ticket_id, []).append(comment)
    copied: dict[int, list[ParticipantPublic]] = {}
    for participant, contact in await copied_on(session, [t.id for t in tickets if t.id]):
        copied.setdefault(participant.ticket_id, []).append(
            ParticipantPublic(
                contact_id=contact.id,
                name=contact.display_name,
                side=contact.side,
                added_at=participant.added_at,
            )
        )
    now = utcnow()
    notes = await team_notes.on_tickets(session, tickets) if sees_team_notes(principal) else {}
    return [
        TicketPublic.model_validate(
            {
                **ticket.model_dump(),
                "visible_to": list(Side) if ticket.shared else [ticket.side],
                "owner": owners.get(ticket.owner_id) if ticket.owner_id else None,
                "targets": [TargetPublic(**asdict(due)) for due in targets_of(ticket, now)],
                "comments": _comments(ticket, by_ticket.get(ticket.id or 0, []), named),
                "participants": copied.get(ticket.id or 0, []),
                "attachments": attached.get(ticket.id or 0, []),
                "internal_notes": notes.get(ticket.id or 0, []),
            }
        )
        for ticket in tickets
    ]


def _comments(ticket: Ticket, comments: list[TicketComment], named: Authors) -> list[CommentPublic]:
    shown = []
    for comment in comments:
        author, written_as = named.of(comment, ticket)
        shown.append(
            CommentPublic(
                id=comment.id or 0,
                author_id=comment.author_id,
                author=author,
                capacity=written_as,
                kind=comment.kind,
                to_approver=comment.side if comment.kind is CommentKind.REPLY_TO_APPROVER else None,
                body=comment.body,
                created_at=comment.created_at,
            )
        )
    return shown


@dataclass(frozen=True)
class Organisations:
    """The names of a customer and of its purchaser (if one is assigned), as tickets show
    them."""

    customer: str
    purchaser: str | None

    def other_than(self, side: Side) -> str | None:
        """The organisation a ticket of ``side`` can be shared with, if there is one."""
        if self.purchaser is None:
            return None
        return self.purchaser if side is Side.CUSTOMER else self.customer


async def organisations(session: AsyncSession, customer_id: uuid.UUID) -> Organisations:
    """For a customer the caller has been let see (a ticket of it, or their own)."""
    customer = await session.get_one(Customer, customer_id)
    purchaser = await purchaser_of(session, customer_id)
    return Organisations(customer.legal_name, purchaser.name if purchaser else None)


@dataclass(frozen=True)
class Visibility:
    """Which organisations' contacts see a ticket, by name: what its message says."""

    customer: str
    purchaser: str | None
    customer_sees: bool
    purchaser_sees: bool

    @property
    def shared(self) -> bool:
        return self.customer_sees and self.purchaser_sees

    @property
    def hidden_from(self) -> str | None:
        """The organisation whose contacts cannot see it, if one has contacts who might."""
        if not self.customer_sees:
            return self.customer
        if self.purchaser is not None and not self.purchaser_sees:
            return self.purchaser
        return None


async def ticket_visibility(session: AsyncSession, ticket: TicketPublic) -> Visibility:
    """Asks ``models.access.sees_ticket`` about a contact of each side, so that the message
    says what the access policy does (tickets from before the purchaser was assigned too)."""
    customer = await session.get_one(Customer, ticket.customer_id)
    purchaser = await purchaser_of(session, ticket.customer_id)
    facts = TicketFacts(ticket.customer_id, ticket.side, ticket.shared, ticket.created_at)

    def sees(side: Side) -> bool:
        # Anyone of that side: the rule looks at the side and customer, not the person.
        anyone = Principal(
            user_id=uuid.UUID(int=0), is_staff=False, customer_id=ticket.customer_id, side=side
        )
        since = purchaser.assigned_at if purchaser and side is Side.PURCHASER else None
        return sees_ticket(anyone, facts, since)

    return Visibility(
        customer=customer.legal_name,
        purchaser=purchaser.name if purchaser else None,
        customer_sees=sees(Side.CUSTOMER),
        purchaser_sees=sees(Side.PURCHASER),
    )


async def customer_names(
    session: AsyncSession, customer_ids: set[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """Legal names, for the service team's list of every customer's tickets."""
    if not customer_ids:
        return {}
    rows = await session.exec(
        select(Customer.id, Customer.legal_name).where(col(Customer.id).in_(customer_ids))
    )
    return dict(rows.all())
