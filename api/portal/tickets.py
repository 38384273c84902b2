"""Tickets with the service team: the list, a ticket's page with its conversation and the
reply form, and raising one."""

import math
from collections.abc import Awaitable, Mapping
from contextlib import suppress
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import AfterValidator
from sqlalchemy.exc import DBAPIError
from starlette.datastructures import FormData

from api.deps import SessionDep
from api.errors import Conflict, Forbidden, NotFound, TooLarge, Unavailable
from api.files import attachment_response, limits, read_upload, sent_file
from api.portal.auth import FILE_FIELD, PostedForm, PostedUpload, SignedInDep
from api.portal.forms import FormErrors, posted_form_key, sentence
from api.portal.render import redirect, render
from api.portal.ticket_desk import desk_view
from api.services import attachments, ticket_participants, tickets
from api.services.attachment_checks import NoRoom, Upload
from api.services.portal_sessions import SignedIn
from api.services.ticket_desk import PAGE_SIZE, Ownership, TicketFilters
from models.access import may_raise_ticket, sees_requests
from models.common import refuse_nul
from models.enums import TicketStatus
from models.file_types import size_in_words
from models.ids import ascii_number, ascii_uuid
from models.problems import ValidationProblems
from models.team_note import NoteCreate
from models.ticket import CommentCreate, TicketCreate
from models.ticket_participant import ParticipantCreate
from models.types import utcnow
from settings import Settings

router = APIRouter()

Number = Annotated[str, Path(max_length=32), AfterValidator(refuse_nul)]
AttachmentId = Annotated[str, Path(max_length=18)]

# The raise form's fields and their labels. The schema's ``body`` is the form's
# "description": the form helpers read a location named "body" as the request body itself.
FIELDS = {"subject": "Subject", "description": "Description"}
SHARED = "shared"
KNOWN = frozenset(FIELDS) | {SHARED}
RAISE_NAMES = {"body": "description"}
# The reply form has one field, the schema's ``body``; so has the internal note's.
REPLY = "reply"
REPLY_NAMES = {"body": REPLY}
NOTE = "note"
# What an empty field says, instead of the schema's "at least 1 character".
_EMPTY = {
    "subject": "Enter a subject for your ticket",
    "description": "Describe what you need from the service team",
    REPLY: "Write your reply before sending it",
    NOTE: "Write the note before adding it",
}
# The copy form's one field: a choice among the contacts who may be copied.
COPY = "contact_id"
COPY_EMPTY = {COPY: "Choose the contact to copy"}
NO_FILE = "Choose a file to attach."


async def file_sent(posted: FormData, settings: Settings) -> Upload | None:
    """The file a form carries, if one was chosen, read no further than its limit."""
    file = sent_file(posted.get(FILE_FIELD))
    return await read_upload(file, settings.attachment_max_bytes) if file else None


def file_refusal(error: ValidationProblems | TooLarge | NoRoom) -> tuple[str, int]:
    """Why a file was refused, as the page says it beside the field, and the answer's
    status."""
    if isinstance(error, ValidationProblems):
        return " ".join(sentence(problem.msg) for problem in error.problems), 422
    return sentence(error.detail), error.status_code


async def again(page: Awaitable[HTMLResponse], unavailable: Unavailable) -> HTMLResponse:
    """A page shown again with the message and what was typed (503); the problem page alone
    when the database cannot show it (the page would wrongly say that nothing was changed)."""
    try:
        return await page
    except DBAPIError:
        raise unavailable from None


STATUS_CHOICES = {status.value: status.label for status in TicketStatus}
OWNER_CHOICES = {
    "": "Anyone",
    Ownership.MINE.value: "Mine",
    Ownership.UNASSIGNED.value: "Unassigned",
}
SORT_CHOICES = {"newest": "Newest first", "due": "Due soonest"}


def ticket_filters(query: Mapping[str, str], staff: bool) -> TicketFilters:
    """The list's filters from its link; a value that names nothing is no filter."""
    status = query.get("status", "")
    owner = query.get("owner", "")
    return TicketFilters(
        customer_id=ascii_uuid(query.get("customer_id", "")) if staff else None,
        status=TicketStatus(status) if status in STATUS_CHOICES else None,
        owner=Ownership(owner) if staff and owner in OWNER_CHOICES and owner else None,
        breached=staff and bool(query.get("breached")),
        soonest_due=staff and query.get("sort") == "due",
    )


@router.get("/portal/tickets", response_class=HTMLResponse)
async def ticket_list(request: Request, person: SignedInDep, session: SessionDep) -> HTMLResponse:
    """The tickets the person may see, a page at a time: by status (with how many of each),
    and for the service team by owner, breached targets and what is due soonest."""
    staff = person.principal.is_staff
    query = request.query_params
    filters = ticket_filters(query, staff)
    page = ascii_number(query.get("page", ""), 6) or 1
    listed = await tickets.list_tickets(
        session, person.principal, filters, PAGE_SIZE, (page - 1) * PAGE_SIZE
    )
    pages = max(1, math.ceil(listed.total / PAGE_SIZE))
    if page > pages:
        # A page past the last (the list got shorter, or the link was edited): the last.
        page = pages
        listed = await tickets.list_tickets(
            session, person.principal, filters, PAGE_SIZE, (page - 1) * PAGE_SIZE
        )
    kept = {
        "customer_id": str(filters.customer_id or ""),
        "status": filters.status.value if filters.status else "",
        "owner": filters.owner.value if filters.owner else "",
        "breached": "yes" if filters.breached else "",
        "sort": "due" if filters.soonest_due else "",
    }
    kept = {name: value for name, value in kept.items() if value}

    def page_link(number: int) -> str:
        return "/portal/tickets?" + urlencode({**kept, "page": number})

    return render(
        request,
        "tickets.html",
        person,
        "Tickets",
        listed=listed,
        filters=filters,
        statuses=STATUS_CHOICES,
        owners=OWNER_CHOICES,
        sorts=SORT_CHOICES,
        page=page,
        pages=pages,
        first_shown=(page - 1) * PAGE_SIZE + 1,
        previous_page=page_link(page - 1) if page > 1 else None,
        next_page=page_link(page + 1) if page < pages else None,
        customers=(
            await tickets.customer_names(session, {t.customer_id for t in listed.tickets})
            if staff
            else {}
        ),
        staff=staff,
        may_raise=may_raise_ticket(person.principal),
        now=utcnow(),
    )


async def _new_page(
    request: Request,
    person: SignedIn,
    session: SessionDep,
    values: dict[str, str] | None = None,
    shared: bool = False,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    principal = person.principal
    if not may_raise_ticket(principal):
        raise Forbidden("tickets are raised by customer and purchaser contacts")
    assert principal.customer_id is not None and principal.side is not None
    names = await tickets.organisations(session, principal.customer_id)
    return render(
        request,
        "ticket_new.html",
        person,
        "Raise a ticket",
        status_code=status_code,
        fields=FIELDS,
        values=values or {},
        shared=shared,
        shared_field=SHARED,
        share_with=names.other_than(principal.side),
        errors=errors or FormErrors(),
    )


@router.get("/portal/tickets/new", response_class=HTMLResponse)
async def new_ticket(request: Request, person: SignedInDep, session: SessionDep) -> HTMLResponse:
    return await _new_page(request, person, session)


@router.post("/portal/tickets", response_class=HTMLResponse)
async def raise_ticket(
    sent: PostedForm,
) -> Response:
    """Raise ticket: the form read as the API's schema, raised by the same service."""
    request, person, session, temporal, settings = sent
    posted = await request.form()
    values = {name: str(posted.get(name, "")) for name in FIELDS}
    shared = posted.get(SHARED) is not None
    form_key = posted_form_key(posted)
    errors = FormErrors(labels=FIELDS, known=KNOWN, names=RAISE_NAMES, empty=_EMPTY)
    data: dict[str, Any] = {
        "subject": values["subject"],
        "body": values["description"],
        "shared": shared,
    }
    form = errors.parse(TicketCreate, data)
    if form is not None:
        try:
            raised = await tickets.raise_ticket(
                session,
                temporal,
                settings.task_queue,
                settings.ticket_targets,
                person.principal,
                form,
                form_key,
            )
        except ValidationProblems as problems:
            errors.add_problems(problems.problems)
        else:
            return redirect(f"/portal/tickets/{raised.number}", "raised")
    return await _new_page(request, person, session, values, shared, errors, status_code=422)


async def _ticket_page(
    request: Request,
    person: SignedIn,
    session: SessionDep,
    number: str,
    reply_error: str | None = None,
    reply_body: str = "",
    status_code: int = 200,
    problem: str | None = None,
    copy_error: str | None = None,
    note_error: str | None = None,
    note_body: str = "",
    attach_error: str | None = None,
    file_error: str | None = None,
) -> HTMLResponse:
    ticket = await tickets.ticket_view(session, person.principal, number)
    settings: Settings = request.app.state.signoff.settings
    return render(
        request,
        "ticket.html",
        person,
        f"Ticket {ticket.number}",
        status_code=status_code,
        ticket=ticket,
        visibility=await tickets.ticket_visibility(session, ticket),
        desk=await desk_view(session, person.principal, ticket),
        may_raise=may_raise_ticket(person.principal),
        now=utcnow(),
        shows_request=ticket.request_id is not None
        and sees_requests(person.principal, ticket.customer_id),
        staff=person.principal.is_staff,
        reply_error=reply_error,
        reply_body=reply_body,
        problem=problem,
        copying=await ticket_participants.copying(session, person.principal, ticket),
        copy_error=copy_error,
        note_error=note_error,
        note_body=note_body,
        file_limit=size_in_words(settings.attachment_max_bytes),
        attach_error=attach_error,
        file_error=file_error,
    )


@router.get("/portal/tickets/{number}", response_class=HTMLResponse)
async def ticket_page(
    number: Number, request: Request, person: SignedInDep, session: SessionDep
) -> HTMLResponse:
    return await _ticket_page(request, person, session, number)


@router.post("/portal/tickets/{number}/comments", response_class=HTMLResponse)
async def reply(
    number: Number,
    sent: PostedUpload,
) -> Response:
    """Reply: a comment by the same service as the API's (whoever should hear is emailed),
    with the file it may carry."""
    request, person, session, temporal, settings = sent
    posted = await request.form()
    body = str(posted.get("body", ""))
    errors = FormErrors(
        labels={REPLY: "Reply"}, known=frozenset({REPLY}), names=REPLY_NAMES, empty=_EMPTY
    )
    form = errors.parse(CommentCreate, {"body": body})
    if form is None:
        message = " ".join([*errors.fields[REPLY], *errors.general])
        return await _ticket_page(request, person, session, number, message, body, 422)
    try:
        await tickets.add_comment(
            session,
            temporal,
            settings.task_queue,
            settings.ticket_targets,
            person.principal,
            number,
            form,
            posted_form_key(posted),
            await file_sent(posted, settings),
            limits(settings),
        )
    except (ValidationProblems, TooLarge, NoRoom) as refused:
        file_error, status_code = file_refusal(refused)
        return await _ticket_page(
            request, person, session, number, None, body, status_code, file_error=file_error
        )
    except Conflict as conflict:
        message = sentence(conflict.detail)
        return await _ticket_page(request, person, session, number, message, body, 409)
    except Unavailable as unavailable:
        page = _ticket_page(
            request,
            person,
            session,
            number,
            reply_body=body,
            status_code=503,
            problem=sentence(unavailable.detail),
        )
        return await again(page, unavailable)
    return redirect(f"/portal/tickets/{number}", "replied")


@router.post("/portal/tickets/{number}/participants", response_class=HTMLResponse)
async def copy_contact(number: Number, sent: PostedForm) -> Response:
    """Copy: the chosen contact is copied on the ticket by the same service as the API's
    (they are told so). Sent twice, it copies them once."""
    request, person, session, temporal, settings = sent
    posted = await request.form()
    errors = FormErrors(labels={COPY: "Copy a contact"}, known=frozenset({COPY}), empty=COPY_EMPTY)
    form = errors.parse(ParticipantCreate, {COPY: str(posted.get(COPY, "")).strip()})
    status_code = 422
    if form is not None:
        try:
            await ticket_participants.copy_contact(
                session, temporal, settings.task_queue, person.principal, number, form
            )
        except ValidationProblems as problems:
            errors.add_problems(problems.problems)
        except Conflict as conflict:
            errors.add(COPY, sentence(conflict.detail))
            status_code = 409
        except Unavailable as unavailable:
            page = _ticket_page(
                request,
                person,
                session,
                number,
                status_code=503,
                problem=sentence(unavailable.detail),
            )
            return await again(page, unavailable)
        else:
            return redirect(f"/portal/tickets/{number}", "copied")
    message = " ".join([*errors.fields[COPY], *errors.general])
    page = _ticket_page(
        request, person, session, number, status_code=status_code, copy_error=message
    )
    return await page


@router.post("/portal/tickets/{number}/participants/{contact_id}/remove")
async def uncopy_contact(number: Number, contact_id: str, sent: PostedForm) -> Response:
    """Remove <name>: the contact is copied on the ticket no more. Sent again once they are
    off, it says the same: there is nothing left to do."""
    _, person, session, _, _ = sent
    contact = ascii_uuid(contact_id)
    if contact is None:
        raise NotFound("that contact is not copied on this ticket")
    with suppress(ticket_participants.NotCopied):
        await ticket_participants.uncopy_contact(session, person.principal, number, contact)
    return redirect(f"/portal/tickets/{number}", "uncopied")


@router.post("/portal/tickets/{number}/attachments", response_class=HTMLResponse)
async def upload(number: Number, sent: PostedUpload) -> Response:
    """Upload: a file attached by the same service as the API's."""
    request, person, session, _, settings = sent
    posted = await request.form()
    upload = await file_sent(posted, settings)
    if upload is None:
        return await _ticket_page(
            request, person, session, number, attach_error=NO_FILE, status_code=422
        )
    try:
        await attachments.attach(
            session, person.principal, number, upload, limits(settings), posted_form_key(posted)
        )
    except (ValidationProblems, TooLarge, NoRoom) as refused:
        attach_error, status_code = file_refusal(refused)
        return await _ticket_page(
            request, person, session, number, status_code=status_code, attach_error=attach_error
        )
    except Conflict as conflict:
        return await _ticket_page(
            request, person, session, number, status_code=409, problem=sentence(conflict.detail)
        )
    return redirect(f"/portal/tickets/{number}", "attached")


@router.get("/portal/tickets/{number}/attachments/{attachment_id}")
async def download(
    number: Number, attachment_id: AttachmentId, person: SignedInDep, session: SessionDep
) -> Response:
    """A file of the ticket, downloaded (never shown as a page)."""
    found = await attachments.download(session, person.principal, number, attachment_id)
    return attachment_response(found)


@router.post("/portal/tickets/{number}/notes", response_class=HTMLResponse)
async def add_note(number: Number, sent: PostedForm) -> Response:
    """Add internal note: the service team's, by the same service as the API's (nobody is
    emailed); a contact who sees the ticket is refused (403), anyone else told it is not
    found."""
    request, person, session, _, _ = sent
    posted = await request.form()
    body = str(posted.get(NOTE, ""))
    errors = FormErrors(
        labels={NOTE: "Internal note"},
        known=frozenset({NOTE}),
        names={"body": NOTE},
        empty=_EMPTY,
    )
    form = errors.parse(NoteCreate, {"body": body})
    if form is not None:
        try:
            await tickets.add_note(session, person.principal, number, form, posted_form_key(posted))
        except Conflict as conflict:
            errors.add(NOTE, sentence(conflict.detail))
        else:
            return redirect(f"/portal/tickets/{number}", "noted")
    message = " ".join([*errors.fields[NOTE], *errors.general])
    status_code = 409 if form is not None else 422
    return await _ticket_page(
        request,
        person,
        session,
        number,
        status_code=status_code,
        note_error=message,
        note_body=body,
    )
