"""Tickets with the service team and their comments."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, status
from pydantic import AfterValidator

from api.deps import CurrentUser, SessionDep, SettingsDep, TemporalDep
from api.errors import error_responses
from api.idempotency import KEYED
from api.portal.render import opened_in_browser
from api.services import tickets
from models.common import refuse_nul
from models.team_note import NoteCreate, NotePublic
from models.ticket import CommentCreate, CommentPublic, TicketCreate, TicketPublic

router = APIRouter(prefix="/tickets", tags=["tickets"], responses=error_responses(401, 429, 503))

TicketNumber = Annotated[str, Path(max_length=32), AfterValidator(refuse_nul)]


@router.get("")
async def list_tickets(user: CurrentUser, session: SessionDep) -> list[TicketPublic]:
    """The tickets the caller may see, newest first (staff see all)."""
    return await tickets.list_tickets(session, user)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(400, 403, 409, 413),
    openapi_extra=KEYED,
)
async def raise_ticket(
    form: TicketCreate,
    user: CurrentUser,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> TicketPublic:
    """Raise a support ticket for your side; `shared` lets the other organisation see it.
    The service team is emailed."""
    return await tickets.raise_ticket(session, temporal, settings.task_queue, user, form)


@router.get(
    "/{number}",
    dependencies=[Depends(opened_in_browser("/portal/tickets/{number}"))],
    responses={
        **error_responses(404),
        303: {"description": "A browser without a token: to the ticket's page"},
    },
)
async def get_ticket(number: TicketNumber, user: CurrentUser, session: SessionDep) -> TicketPublic:
    """One ticket with its comments."""
    return await tickets.ticket_view(session, user, number)


@router.post(
    "/{number}/comments",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(400, 403, 404, 409, 413),
    openapi_extra=KEYED,
)
async def add_comment(
    number: TicketNumber,
    body: CommentCreate,
    user: CurrentUser,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> CommentPublic:
    """Comment on a ticket. The service team is emailed the comments of others; its own go to
    the requester, to the contact who raised a ticket no request raised, or, with
    `to_approver`, to that side's approver."""
    return await tickets.add_comment(session, temporal, settings.task_queue, user, number, body)


@router.post(
    "/{number}/notes",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(400, 403, 404, 409, 413),
    openapi_extra=KEYED,
)
async def add_note(
    number: TicketNumber, body: NoteCreate, user: CurrentUser, session: SessionDep
) -> NotePublic:
    """An internal note on the ticket (the service team's): only the team ever sees it, in
    the ticket's `internal_notes`. Nobody is emailed."""
    return await tickets.add_note(session, user, number, body)
