"""Erasing people from every place their data went.

The rows stay (ids hold the history together); who the person was goes: from their contact
and account, from the form of every request that named them (under any email they ever
had), from the customer's ticket texts and the service team's notes in every form people
write a name, phone or email, from the email log, and from the stored answers of idempotent
requests. Files are not searched: those the person sent go whole, and so do those of a
request never applied.
"""

import json
import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Text, cast, delete, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.access import Principal, TicketFacts, sees_ticket
from models.attachment import TicketAttachment
from models.contact import Contact
from models.contact_fields import DETAIL_FIELDS
from models.customer import Customer
from models.database import erased_in
from models.email_log import EmailLog
from models.enums import LinkPurpose, Side, UserState
from models.idempotency import IdempotentAnswer, readable
from models.kinds import KINDS
from models.link import LinkToken
from models.personal_data import (
    approver_named,
    details_given,
    people_in,
    without_people,
    without_person,
)
from models.portal_session import PortalSession
from models.redaction import Person, Redaction, redact, redaction_for
from models.request import ChangeRequest
from models.team_note import TeamNote
from models.ticket import Ticket, TicketComment
from models.ticket_participant import TicketParticipant
from models.user import ApiToken, User

# Kinds whose form may name people of other organisations.
_NAMING_OUTSIDERS = tuple(kind for kind, described in KINDS.items() if described.people.outsiders)


async def erase_contact(session: AsyncSession, contact: Contact, at: datetime) -> None:
    """Archive the contact's user, revoke its tokens and links, and erase who they were."""
    assert contact.id is not None
    erased_in(session)
    # Who they are now, who they were before each update, and the details the customer's
    # requests ever gave them.
    person = Person.from_details(
        [
            {name: getattr(contact, name) for name in DETAIL_FIELDS},
            *contact.former_details,
            *(
                given
                for request in await _requests_naming(session, contact.customer_id, ())
                for given in details_given(
                    KINDS[request.kind].people, request.requested or {}, request.outcome, contact.id
                )
            ),
        ]
    )
    requests = await _requests_naming(session, contact.customer_id, person.emails)
    user = (await session.exec(select(User).where(User.contact_id == contact.id))).first()
    if user is not None:
        user.state = UserState.ARCHIVED
        user.archived_at = at
        user.name = user.email = None
        await session.exec(
            update(ApiToken)
            .where(col(ApiToken.user_id) == user.id, col(ApiToken.revoked_at).is_(None))
            .values(revoked_at=at)
        )
        # What its owner named a token may name them ("Derek's laptop").
        await session.exec(
            update(ApiToken).where(col(ApiToken.user_id) == user.id).values(name=None)
        )
        await _spend_links(session, at, col(LinkToken.user_id) == user.id)
        await session.exec(
            update(PortalSession)
            .where(col(PortalSession.user_id) == user.id, col(PortalSession.ended_at).is_(None))
            .values(ended_at=at)
        )
        # Their files may show anything of them (a signed form, a photo): they go whole.
        await session.exec(
            delete(TicketAttachment).where(col(TicketAttachment.uploaded_by_id) == user.id)
        )
    # Copied on tickets no more: who copied whom goes with them.
    await session.exec(
        delete(TicketParticipant).where(col(TicketParticipant.contact_id) == contact.id)
    )
    for name in DETAIL_FIELDS:
        setattr(contact, name, None)
    contact.former_details = []
    contact.roles = []
    contact.removed_at = at
    for request in requests:
        await _leave_form(session, request, person, contact.id, at)
    await _erase_copies(session, contact.customer_id, [person], at, users=[user.id] if user else [])


async def erase_request_data(session: AsyncSession, request: ChangeRequest, at: datetime) -> bool:
    """Erase the people a request that will never be applied brought in: a purchaser
    request's data goes whole; a contact change's new contacts go. People who are contacts,
    or are named by another request still in force, keep what is theirs elsewhere.

    The files attached to its ticket go too, whoever sent them: a signed form names its
    people, and nothing of a request never applied is kept. True if there was anything left
    to erase.
    """
    files = await _erase_request_files(session, request)
    where = KINDS[request.kind].people
    if request.requested is None:
        return files
    people = people_in(where, request.requested)
    if not where.outsiders:
        erased = without_people(where, request.requested)
        if erased == request.requested:
            return files
        request.requested = erased
    else:
        extra = _organisation(request.requested)
        request.requested = None
        if extra:
            people.append(Person(extra=frozenset(extra)))
    await _forget_in(session, request, people, at)
    return True


async def _erase_request_files(session: AsyncSession, request: ChangeRequest) -> bool:
    """Delete the files attached to the request's ticket; True if there were any."""
    ticket_id = await session.scalar(select(Ticket.id).where(Ticket.request_id == request.id))
    if ticket_id is None:
        return False
    erased = await session.exec(
        delete(TicketAttachment).where(col(TicketAttachment.ticket_id) == ticket_id)
    )
    if not erased.rowcount:
        return False
    erased_in(session)
    return True


async def forget_addition_people(
    session: AsyncSession, request_id: uuid.UUID | None, at: datetime
) -> None:
    """Once its purchaser is removed, erase the people a purchaser addition named (its
    contacts are erased as contacts; here its approvers) from it and what it left behind."""
    request = await session.get(ChangeRequest, request_id) if request_id else None
    if request is None or request.requested is None:
        return
    where = KINDS[request.kind].people
    people = people_in(where, request.requested)
    request.requested = without_people(where, request.requested)
    await _forget_in(session, request, people, at)


async def forget_customer_people(
    session: AsyncSession, customer_id: uuid.UUID, at: datetime
) -> None:
    """A retired customer, its contacts erased: erase the people its requests' forms still
    name (approvers who were never its contacts) from the forms and from what they left
    behind, as a purchaser's removal forgets its addition's approvers. What the requests
    asked (ops, ids, roles, organisations) stays. People still known elsewhere (a contact,
    or named by a request in force, at another customer) keep what is theirs there."""
    people: list[Person] = []
    for request in await _requests_naming(session, customer_id, ()):
        assert request.requested is not None
        where = KINDS[request.kind].people
        named = people_in(where, request.requested)
        if not named:
            continue
        people += named
        request.requested = without_people(where, request.requested)
        await _forget_on_request(session, request, named, at)
    emails = {email for person in people for email in person.emails}
    known = await _still_known(session, customer_id, emails)
    strangers = [person for person in people if not person.emails & known]
    # Every ticket of the customer: none of its contacts is left to read any of them.
    await _erase_copies(session, customer_id, strangers, at)


async def _forget_in(
    session: AsyncSession, request: ChangeRequest, people: list[Person], at: datetime
) -> None:
    """The request's own copies of these people go; their copies elsewhere too, unless they
    are still known: a contact, or named by another request still in force."""
    await _forget_on_request(session, request, people, at)
    emails = {email for person in people for email in person.emails}
    known = await _still_known(session, request.customer_id, emails, besides=request.id)
    strangers = [person for person in people if not person.emails & known]
    # A request is its customer's side's business: what it brought in went no further than
    # what that side can read.
    await _erase_copies(session, request.customer_id, strangers, at, readable_by=Side.CUSTOMER)


async def _forget_on_request(
    session: AsyncSession, request: ChangeRequest, people: list[Person], at: datetime
) -> None:
    """These people leave the request's own emails (addresses and subjects); its links are
    spent."""
    emails = {email for person in people for email in person.emails}
    await session.exec(
        update(EmailLog)
        .where(col(EmailLog.request_id) == request.id, func.lower(EmailLog.to_address).in_(emails))
        .values(to_address=None)
    )
    erased_in(session)
    await _spend_links(session, at, col(LinkToken.request_id) == request.id)
    redaction = redaction_for(people)
    for logged in await session.exec(select(EmailLog).where(EmailLog.request_id == request.id)):
        logged.subject = redact(logged.subject, redaction)


async def _erase_copies(
    session: AsyncSession,
    customer_id: uuid.UUID,
    people: list[Person],
    at: datetime,
    users: Iterable[uuid.UUID] = (),
    readable_by: Side | None = None,
) -> None:
    """What was copied of these people beyond request forms: the email log, the customer's
    ticket texts (only those ``readable_by`` that side's contacts, if given), and the kept
    answers of idempotent requests (and every answer kept for their own account)."""
    emails = {email for person in people for email in person.emails}
    if emails:
        await session.exec(
            update(EmailLog)
            .where(func.lower(EmailLog.to_address).in_(emails))
            .values(to_address=None)
        )
    redaction = redaction_for(people)
    if redaction is not None:
        await _redact_tickets(session, customer_id, redaction, readable_by)
        await _redact_team_texts(session, customer_id, redaction)
    accounts = set(users)
    if redaction is None and not accounts:
        return
    answers = await session.exec(
        select(IdempotentAnswer).where(col(IdempotentAnswer.erased_at).is_(None))
    )
    for answer in answers:
        if answer.user_id in accounts or _carries(answer.body, redaction):
            answer.erase(at)


def _carries(body: bytes | None, redaction: Redaction | None) -> bool:
    return body is not None and redaction is not None and redaction.finds(readable(body))


async def _redact_tickets(
    session: AsyncSession, customer_id: uuid.UUID, redaction: Redaction, readable_by: Side | None
) -> None:
    """Redact these people from the customer's ticket texts that name them: a ticket's
    subject and body together, each comment on its own."""
    tickets = [
        ticket
        for ticket in await session.exec(select(Ticket).where(Ticket.customer_id == customer_id))
        if readable_by is None or _readable_by(ticket, readable_by)
    ]
    for ticket in tickets:
        subject, body = redaction.redact_together([ticket.subject, ticket.body])
        if (subject, body) != (ticket.subject, ticket.body):
            ticket.subject, ticket.body = subject, body
    comments = await session.exec(
        select(TicketComment).where(
            col(TicketComment.ticket_id).in_([ticket.id for ticket in tickets])
        )
    )
    for comment in comments:
        body = redaction.redact(comment.body)
        if body != comment.body:
            comment.body = body


async def _redact_team_texts(
    session: AsyncSession, customer_id: uuid.UUID, redaction: Redaction
) -> None:
    """Redact these people from what the service team wrote about the customer: why it
    filed a request for it, why it archived it, its notes (on the customer and on every
    ticket of it: the team reads them all, as it reads every comment)."""
    requests = await session.exec(
        select(ChangeRequest).where(
            ChangeRequest.customer_id == customer_id,
            col(ChangeRequest.on_behalf_reason).is_not(None),
        )
    )
    for request in requests:
        assert request.on_behalf_reason is not None
        reason = redaction.redact(request.on_behalf_reason)
        if reason != request.on_behalf_reason:
            request.on_behalf_reason = reason
    for note in await session.exec(select(TeamNote).where(TeamNote.customer_id == customer_id)):
        body = redaction.redact(note.body)
        if body != note.body:
            note.body = body
    customer = await session.get(Customer, customer_id)
    if customer is not None and customer.archive_reason:
        customer.archive_reason = redaction.redact(customer.archive_reason)


def _readable_by(ticket: Ticket, side: Side) -> bool:
    """Whether a contact of ``side`` at the ticket's customer may read it (the access
    policy's rule, asked about anyone of that side)."""
    anyone = Principal(
        user_id=uuid.UUID(int=0), is_staff=False, customer_id=ticket.customer_id, side=side
    )
    facts = TicketFacts(ticket.customer_id, ticket.side, ticket.shared, ticket.created_at)
    return sees_ticket(anyone, facts, None)


async def _leave_form(
    session: AsyncSession,
    request: ChangeRequest,
    person: Person,
    contact_id: uuid.UUID,
    at: datetime,
) -> None:
    """Blank the person in the request's form; an approval they were asked for can no
    longer be given through their link."""
    assert request.requested is not None
    where = KINDS[request.kind].people
    erased = without_person(where, request.requested, contact_id, person.emails)
    if erased == request.requested:
        return
    for side in Side:
        was = approver_named(where, request.requested, side)
        if was is not None and approver_named(where, erased, side) is None:
            await _spend_links(
                session,
                at,
                col(LinkToken.request_id) == request.id,
                col(LinkToken.purpose) == LinkPurpose.APPROVAL,
                col(LinkToken.side) == side,
            )
    request.requested = erased


async def _requests_naming(
    session: AsyncSession, customer_id: uuid.UUID, emails: Iterable[str]
) -> list[ChangeRequest]:
    """The customer's requests that keep a form, and other customers' purchaser requests
    whose form mentions one of the emails (as an approver, say)."""
    text = cast(ChangeRequest.requested, Text)
    mentions = [
        text.ilike(f"%{_like(form)}%", escape="\\")
        for email in emails
        for form in {email, json.dumps(email)[1:-1]}
    ]
    elsewhere = (
        [col(ChangeRequest.kind).in_(_NAMING_OUTSIDERS) & or_(*mentions)] if mentions else []
    )
    query = select(ChangeRequest).where(
        or_(col(ChangeRequest.customer_id) == customer_id, *elsewhere)
    )
    found = await session.exec(query.order_by(col(ChangeRequest.created_at)))
    # An erased form is a JSON null, not an SQL NULL.
    return [request for request in found if request.requested is not None]


async def _still_known(
    session: AsyncSession,
    customer_id: uuid.UUID,
    emails: set[str],
    besides: uuid.UUID | None = None,
) -> set[str]:
    """Which of the emails a living contact has, or a request in force (the customer's, or
    another's naming outsiders) names, the request ``besides`` aside."""
    if not emails:
        return set()
    known = set(
        await session.exec(
            select(func.lower(Contact.email)).where(func.lower(Contact.email).in_(emails))
        )
    )
    for other in await _requests_naming(session, customer_id, emails):
        if other.id != besides and other.requested is not None:
            named = people_in(KINDS[other.kind].people, other.requested)
            known |= emails & {email for person in named for email in person.emails}
    return {email for email in known if email}


async def _spend_links(session: AsyncSession, at: datetime, *where: object) -> None:
    await session.exec(
        update(LinkToken).where(col(LinkToken.used_at).is_(None), *where).values(used_at=at)  # type: ignore[arg-type]
    )


def _organisation(requested: dict[str, object]) -> list[str]:
    """A purchaser addition's organisation: its name and street go with its data."""
    purchaser = requested.get("purchaser")
    if not isinstance(purchaser, dict):
        return []
    address = purchaser.get("address") if isinstance(purchaser.get("address"), dict) else {}
    return [str(v) for v in (purchaser.get("name"), (address or {}).get("street")) if v]


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
