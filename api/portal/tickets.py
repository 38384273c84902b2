"""Tickets with the service team: the list, a ticket's page with its conversation and the
reply form, and raising one."""

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import AfterValidator
from sqlalchemy.exc import DBAPIError

from api.deps import SessionDep
from api.errors import Conflict, Forbidden, Unavailable
from api.portal.auth import PostedForm, SignedInDep
from api.portal.forms import FormErrors, posted_form_key, sentence
from api.portal.render import redirect, render
from api.services import tickets
from api.services.portal_sessions import SignedIn
from models.access import may_raise_ticket, sees_requests
from models.common import refuse_nul
from models.problems import ValidationProblems
from models.team_note import NoteCreate
from models.ticket import CommentCreate, TicketCreate, TicketPublic

router = APIRouter()

Number = Annotated[str, Path(max_length=32), AfterValidator(refuse_nul)]

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


@dataclass(frozen=True)
class Listed:
    """A ticket in the list, and whether it waits for the service team."""

    ticket: TicketPublic
    waiting: bool


async def again(page: Awaitable[HTMLResponse], unavailable: Unavailable) -> HTMLResponse:
    """A page shown again with the message and what was typed (503); the problem page alone
    when the database cannot show it (the page would wrongly say that nothing was changed)."""
    try:
        return await page
    except DBAPIError:
        raise unavailable from None


@router.get("/portal/tickets", response_class=HTMLResponse)
async def ticket_list(
    request: Request, person: SignedInDep, session: SessionDep, waiting: str = ""
) -> HTMLResponse:
    """The tickets the person may see, newest first; those waiting for the service team
    marked, and on their own when asked."""
    listed = [
        Listed(ticket, tickets.awaits_service_team(ticket))
        for ticket in await tickets.list_tickets(session, person.principal)
    ]
    only_waiting = bool(waiting)
    staff = person.principal.is_staff
    return render(
        request,
        "tickets.html",
        person,
        "Tickets",
        listed=[item for item in listed if item.waiting or not only_waiting],
        waiting_count=sum(item.waiting for item in listed),
        only_waiting=only_waiting,
        customers=(
            await tickets.customer_names(session, {item.ticket.customer_id for item in listed})
            if staff
            else {}
        ),
        staff=staff,
        may_raise=may_raise_ticket(person.principal),
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
                session, temporal, settings.task_queue, person.principal, form, form_key
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
    note_error: str | None = None,
    note_body: str = "",
) -> HTMLResponse:
    ticket = await tickets.ticket_view(session, person.principal, number)
    return render(
        request,
        "ticket.html",
        person,
        f"Ticket {ticket.number}",
        status_code=status_code,
        ticket=ticket,
        visibility=await tickets.ticket_visibility(session, ticket),
        waiting=tickets.awaits_service_team(ticket),
        shows_request=ticket.request_id is not None
        and sees_requests(person.principal, ticket.customer_id),
        staff=person.principal.is_staff,
        reply_error=reply_error,
        reply_body=reply_body,
        problem=problem,
        note_error=note_error,
        note_body=note_body,
    )


@router.get("/portal/tickets/{number}", response_class=HTMLResponse)
async def ticket_page(
    number: Number, request: Request, person: SignedInDep, session: SessionDep
) -> HTMLResponse:
    return await _ticket_page(request, person, session, number)


@router.post("/portal/tickets/{number}/comments", response_class=HTMLResponse)
async def reply(
    number: Number,
    sent: PostedForm,
) -> Response:
    """Reply: a comment by the same service as the API's (whoever should hear is emailed)."""
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
            person.principal,
            number,
            form,
            posted_form_key(posted),
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
