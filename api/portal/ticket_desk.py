"""The ticket page's desk: where the ticket stands, who owns it, what is due; and its
Resolve and Assign buttons, by the same services as the API's."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response
from pydantic import AfterValidator
from sqlmodel.ext.asyncio.session import AsyncSession

from api.errors import Conflict, NotFound
from api.identity import Principal
from api.portal.auth import PostedForm
from api.portal.render import redirect
from api.services import ticket_actions, ticket_desk
from models.access import may_assign_ticket, may_resolve_ticket
from models.common import refuse_nul
from models.enums import TicketStatus
from models.ids import ascii_uuid
from models.problems import ValidationProblems
from models.request import ChangeRequest
from models.ticket import OwnerPublic, TicketPublic

router = APIRouter()

Number = Annotated[str, Path(max_length=32), AfterValidator(refuse_nul)]


@dataclass(frozen=True)
class DeskView:
    """What the ticket page offers the person about the ticket's handling."""

    may_resolve: bool
    # Why Resolve is not offered to someone who could otherwise resolve it.
    resolve_waits_for_request: bool
    may_assign: bool
    team: list[OwnerPublic]
    closed: bool


async def desk_view(session: AsyncSession, principal: Principal, ticket: TicketPublic) -> DeskView:
    may = may_resolve_ticket(principal, ticket.raised_by_id) and ticket.status.is_active
    request = await session.get(ChangeRequest, ticket.request_id) if ticket.request_id else None
    waits = request is not None and request.status.is_open
    assigns = may_assign_ticket(principal) and ticket.status is not TicketStatus.CLOSED
    return DeskView(
        may_resolve=may and not waits,
        resolve_waits_for_request=may and waits,
        may_assign=assigns,
        team=await ticket_desk.team(session) if assigns else [],
        closed=ticket.status is TicketStatus.CLOSED,
    )


@router.post("/portal/tickets/{number}/resolve")
async def resolve(number: Number, sent: PostedForm) -> Response:
    """Resolve: the ticket is done; it closes by itself later unless someone replies."""
    _, person, session, temporal, settings = sent
    await ticket_actions.resolve_ticket(
        session, temporal, settings.task_queue, settings.ticket_targets, person.principal, number
    )
    return redirect(f"/portal/tickets/{number}", "ticket-resolved")


@router.post("/portal/tickets/{number}/assign")
async def assign(number: Number, sent: PostedForm) -> Response:
    """Assign to me, or Owner and Assign (the empty choice: nobody)."""
    request, person, session, _, _ = sent
    posted = await request.form()
    chosen = str(posted.get("owner_id", ""))
    owner = person.principal.user_id if chosen == "me" else ascii_uuid(chosen)
    if chosen and owner is None:
        raise NotFound("no such member of the team")
    try:
        await ticket_actions.assign_ticket(session, person.principal, number, owner)
    except ValidationProblems as problems:
        raise Conflict(problems.problems[0].msg) from None
    return redirect(f"/portal/tickets/{number}", "ticket-assigned")
