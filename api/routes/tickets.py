"""Tickets with the service team and their comments."""

from typing import Annotated

from fastapi import APIRouter, Path, status

from api.deps import CurrentUser, SessionDep, TemporalDep
from api.services import tickets
from models.ticket import CommentCreate, CommentPublic, TicketCreate, TicketPublic

router = APIRouter(prefix="/tickets", tags=["tickets"])

TicketNumber = Annotated[str, Path(max_length=32)]


@router.get("")
async def list_tickets(user: CurrentUser, session: SessionDep) -> list[TicketPublic]:
    """The tickets the caller may see, newest first (staff see all)."""
    return await tickets.list_tickets(session, user)


@router.post("", status_code=status.HTTP_201_CREATED)
async def raise_ticket(form: TicketCreate, user: CurrentUser, session: SessionDep) -> TicketPublic:
    """Raise a support ticket for your side; `shared` lets the other organisation see it."""
    return await tickets.raise_ticket(session, user, form)


@router.get("/{number}")
async def get_ticket(number: TicketNumber, user: CurrentUser, session: SessionDep) -> TicketPublic:
    """One ticket with its comments."""
    return await tickets.ticket_view(session, user, number)


@router.post("/{number}/comments", status_code=status.HTTP_201_CREATED)
async def add_comment(
    number: TicketNumber,
    body: CommentCreate,
    user: CurrentUser,
    session: SessionDep,
    temporal: TemporalDep,
) -> CommentPublic:
    """Comment on a ticket; the service team's comments are emailed to the requester."""
    return await tickets.add_comment(session, temporal, user, number, body.body)
