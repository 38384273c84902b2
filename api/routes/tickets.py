"""Tickets with the service team and their comments."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status
from pydantic import AfterValidator

from api.deps import CurrentUser, SessionDep, SettingsDep, TemporalDep
from api.errors import error_responses
from api.idempotency import KEYED
from api.portal.render import opened_in_browser
from api.services import ticket_participants, tickets
from models.common import refuse_nul
from models.ticket import CommentCreate, CommentPublic, TicketCreate, TicketPublic
from models.ticket_participant import ParticipantCreate, ParticipantPublic

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
    "/{number}/participants",
    status_code=status.HTTP_201_CREATED,
    responses={
        **error_responses(400, 403, 404, 409, 413),
        200: {"model": ParticipantPublic, "description": "Copied already: nothing changed"},
    },
    openapi_extra=KEYED,
)
async def copy_contact(
    number: TicketNumber,
    body: ParticipantCreate,
    user: CurrentUser,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    response: Response,
) -> ParticipantPublic:
    """Copy a contact on the ticket: they are told so, then emailed the service team's
    replies as its raiser is. A current contact of an organisation that sees the ticket
    (422 otherwise); by its raiser, the customer's Management and Cust Admin, or the service
    team. One copied already answers 200 with their copy; its raiser, 409."""
    copied = await ticket_participants.copy_contact(
        session, temporal, settings.task_queue, user, number, body
    )
    if not copied.new:
        response.status_code = status.HTTP_200_OK
    return copied.participant


@router.delete(
    "/{number}/participants/{contact_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(403, 404),
)
async def uncopy_contact(
    number: TicketNumber, contact_id: uuid.UUID, user: CurrentUser, session: SessionDep
) -> Response:
    """Take a copied contact off the ticket: they are emailed its replies no more. 404 if
    they are not copied on it."""
    await ticket_participants.uncopy_contact(session, user, number, contact_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
