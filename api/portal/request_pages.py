"""A customer's requests, and a request's page: where it stands, what it waits for, its
details side by side, its approvals and its ticket's conversation; the requester's Cancel,
the service team's Implement and Decline, and a reply on the ticket."""

import uuid
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response

from api.deps import SessionDep, TemporalDep
from api.errors import Conflict, NotFound, TooLarge, Unavailable
from api.files import limits
from api.kinds import partial
from api.portal.auth import PostedForm, PostedUpload, SignedInDep
from api.portal.forms import FormErrors, posted_form_key, sentence
from api.portal.render import redirect, render
from api.portal.tickets import again, file_refusal, file_sent
from api.services import decisions, request_lists, request_views, tickets
from api.services.attachment_checks import FILE, NoRoom
from api.services.customers import load_customer
from api.services.decisions import Action
from api.services.portal_sessions import SignedIn
from models.access import request_actions, sees_requests
from models.asks import Asks
from models.contact_fields import person_name
from models.file_types import size_in_words
from models.ids import ascii_uuid
from models.kinds import KINDS
from models.problems import ValidationProblems
from models.progress import progress
from models.queries import active_team_size, asks_of
from models.request import ChangeRequest
from models.ticket import CommentCreate, TicketPublic

router = APIRouter()

REASON = "reason"
TO_APPROVER = "to_approver"
_REPLY_FIELDS = frozenset({TO_APPROVER})
_DONE = {
    Action.CANCEL: "cancelled",
    Action.IMPLEMENT: "implemented",
    Action.DECLINE: "declined",
}


@dataclass
class Typed:
    """What the person typed into the page's forms, kept when the page comes back."""

    reply: str = ""
    reply_error: str | None = None
    # The reply's "Send to": the side chosen, and a message about it.
    to_approver: str = ""
    to_error: str | None = None
    # Why the file the reply carried was refused.
    file_error: str | None = None
    reason: str = ""
    reason_errors: FormErrors = field(default_factory=FormErrors)
    problem: str | None = None


def request_id_of(raw: str) -> uuid.UUID:
    """A path that names no request answers 404, as an unknown one does."""
    found = ascii_uuid(raw)
    if found is None:
        raise NotFound("request not found")
    return found


def page_path(request_id: uuid.UUID) -> str:
    return f"/portal/requests/{request_id}"


@router.get("/portal/requests", response_class=HTMLResponse)
async def request_list(request: Request, person: SignedInDep, session: SessionDep) -> HTMLResponse:
    listing = await request_lists.list_requests(session, person.principal)
    own = person.principal.customer_id
    return render(
        request,
        "requests.html",
        person,
        "Requests",
        open_requests=[item for item in listing.items if item.status.is_open],
        past_requests=[item for item in listing.items if not item.status.is_open],
        listing=listing,
        hidden=own is not None and not sees_requests(person.principal, own),
        staff=person.principal.is_staff,
    )


@router.get("/portal/requests/{request_id}", response_class=HTMLResponse)
async def request_page(
    request_id: str, request: Request, person: SignedInDep, session: SessionDep
) -> HTMLResponse:
    return await _page(request, person, session, request_id_of(request_id), Typed())


async def _page(
    request: Request,
    person: SignedIn,
    session: SessionDep,
    request_id: uuid.UUID,
    typed: Typed,
    status_code: int = 200,
) -> HTMLResponse:
    principal = person.principal
    row = await request_views.load_visible(session, principal, request_id)
    view = await request_views.present(session, row)
    customer = await load_customer(session, principal, row.customer_id)
    ticket = await _ticket(session, person, view.ticket_number)
    return render(
        request,
        "request.html",
        person,
        f"{view.kind.label.capitalize()} request",
        status_code=status_code,
        view=view,
        customer_name=customer.legal_name,
        progress=progress(view.status, view.approvals),
        ticket=ticket,
        actions=request_actions(
            principal,
            row.customer_id,
            row.requester_id,
            view.status,
            await active_team_size(session) if principal.is_staff else 1,
        ),
        on_behalf_reason=row.on_behalf_reason,
        approver_sides=await tickets.approver_sides(session, principal, row),
        contact_names=_contact_names(view.existing),
        partial=partial(view.kind),
        asks=await _asks(session, row) if view.status.is_open else None,
        typed=typed,
        file_limit=size_in_words(request.app.state.signoff.settings.attachment_max_bytes),
    )


async def _ticket(session: SessionDep, person: SignedIn, number: str | None) -> TicketPublic | None:
    if number is None:
        return None
    try:
        return await tickets.ticket_view(session, person.principal, number)
    except NotFound:
        return None


async def _asks(session: SessionDep, row: ChangeRequest) -> Asks | None:
    """What its approvers are asked, in the words of their emails, if it asks any."""
    if not KINDS[row.kind].approval_sides(row.requested or {}):
        return None
    return await asks_of(session, row)


def _contact_names(existing: dict[str, Any] | None) -> dict[str, str]:
    """Contacts' names by id, for the changes and role moves that name contacts by id."""
    names: dict[str, str] = {}
    for contact in (existing or {}).get("contacts", []):
        name = person_name(contact.get("first_name"), contact.get("last_name"))
        if contact.get("id") and name:
            names[contact["id"]] = name
    return names


async def _decide(
    request: Request,
    person: SignedIn,
    session: SessionDep,
    temporal: TemporalDep,
    raw_id: str,
    action: Action,
    reason: str | None = None,
) -> Response:
    """Deliver the decision through the same service as the JSON routes; a refusal shows on
    the request's page, with what was typed."""
    request_id = request_id_of(raw_id)
    try:
        _, settled = await decisions.decide(
            session, temporal, person.principal, request_id, action, reason
        )
    except RequestValidationError as refused:
        errors = FormErrors(
            labels={REASON: "Reason for declining"},
            empty={REASON: "Enter the reason for declining: the requester is sent it"},
        )
        errors.refuse(refused.errors())
        typed = Typed(reason=reason or "", reason_errors=errors)
        return await _page(request, person, session, request_id, typed, status_code=422)
    except Conflict as conflict:
        typed = Typed(reason=reason or "", problem=sentence(conflict.detail))
        return await _page(request, person, session, request_id, typed, status_code=409)
    except Unavailable as unavailable:
        typed = Typed(reason=reason or "", problem=sentence(unavailable.detail))
        return await _again(request, person, session, request_id, unavailable, typed)
    return redirect(page_path(request_id), _DONE[action] if settled else "accepted")


async def _again(
    request: Request,
    person: SignedIn,
    session: SessionDep,
    request_id: uuid.UUID,
    unavailable: Unavailable,
    typed: Typed,
) -> Response:
    page = _page(request, person, session, request_id, typed, status_code=503)
    return await again(page, unavailable)


@router.post("/portal/requests/{request_id}/cancel", response_class=HTMLResponse)
async def cancel(request_id: str, sent: PostedForm) -> Response:
    """Cancel request: the requester, Management or Cust Admin, while open."""
    request, person, session, temporal, _ = sent
    return await _decide(request, person, session, temporal, request_id, Action.CANCEL)


@router.post("/portal/requests/{request_id}/implement", response_class=HTMLResponse)
async def implement(request_id: str, sent: PostedForm) -> Response:
    """Implement: the service team confirms and applies the change."""
    request, person, session, temporal, _ = sent
    return await _decide(request, person, session, temporal, request_id, Action.IMPLEMENT)


@router.post("/portal/requests/{request_id}/decline", response_class=HTMLResponse)
async def decline(request_id: str, sent: PostedForm) -> Response:
    """Decline, with the reason the requester is sent. The service reads the reason as the
    API's schema, once it has heard that the person may decline."""
    request, person, session, temporal, _ = sent
    reason = str((await request.form()).get(REASON, ""))
    return await _decide(request, person, session, temporal, request_id, Action.DECLINE, reason)


@router.post("/portal/requests/{request_id}/reply", response_class=HTMLResponse)
async def reply(
    request_id: str,
    sent: PostedUpload,
) -> Response:
    """Reply on the request's ticket (the service team may send it to an approver), with
    the file it may carry."""
    request, person, session, temporal, settings = sent
    request_uuid = request_id_of(request_id)
    row = await request_views.load_visible(session, person.principal, request_uuid)
    posted = await request.form()
    body = str(posted.get("body", ""))
    chosen = str(posted.get(TO_APPROVER, ""))
    data: dict[str, Any] = {"body": body, TO_APPROVER: chosen or None}
    errors = FormErrors(known=_REPLY_FIELDS)
    form = errors.parse(CommentCreate, data)
    status_code = 422
    file_error = None
    if form is not None:
        if row.ticket_number is None:
            errors.general.append("The ticket is still being raised: try again in a moment.")
            status_code = 409
        else:
            try:
                await tickets.add_comment(
                    session,
                    temporal,
                    settings.task_queue,
                    settings.ticket_targets,
                    person.principal,
                    row.ticket_number,
                    form,
                    posted_form_key(posted),
                    await file_sent(posted, settings),
                    limits(settings),
                )
            except ValidationProblems as problems:
                file_error = _file_problems(problems)
                errors.add_problems(p for p in problems.problems if p.loc != FILE)
            except (TooLarge, NoRoom) as refused:
                file_error, status_code = file_refusal(refused)
            except Conflict as conflict:
                errors.general.append(sentence(conflict.detail))
                status_code = 409
            except Unavailable as unavailable:
                typed = Typed(reply=body, to_approver=chosen, problem=sentence(unavailable.detail))
                return await _again(request, person, session, request_uuid, unavailable, typed)
            else:
                return redirect(page_path(request_uuid), "replied")
    messages = errors.general
    if not body.strip():
        messages = ["Write your reply first."]
    typed = Typed(
        reply=body,
        reply_error=" ".join(messages) or None,
        to_approver=chosen,
        to_error=" ".join(errors.fields.get(TO_APPROVER, [])) or None,
        file_error=file_error,
    )
    return await _page(request, person, session, request_uuid, typed, status_code=status_code)


def _file_problems(problems: ValidationProblems) -> str | None:
    """What the rules found wrong with the reply's file, in words; None if nothing."""
    about = [sentence(problem.msg) for problem in problems.problems if problem.loc == FILE]
    return " ".join(about) or None
