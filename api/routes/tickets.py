"""Tickets with the service team and their comments."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Path, Query, Response, UploadFile, status
from pydantic import AfterValidator

from api.deps import CurrentUser, SessionDep, SettingsDep, TemporalDep
from api.errors import error_responses
from api.files import attachment_response, limits, read_upload
from api.idempotency import KEYED
from api.portal.render import opened_in_browser
from api.services import attachments, ticket_actions, ticket_participants, tickets
from api.services.ticket_desk import PAGE_SIZE, Ownership, TicketFilters
from models.attachment import AttachmentPublic
from models.common import refuse_nul
from models.enums import TicketStatus
from models.file_types import EXTENSIONS
from models.team_note import NoteCreate, NotePublic
from models.ticket import CommentCreate, CommentPublic, TicketAssign, TicketCreate, TicketPublic
from models.ticket_participant import ParticipantCreate, ParticipantPublic

router = APIRouter(prefix="/tickets", tags=["tickets"], responses=error_responses(401, 429, 503))

TicketNumber = Annotated[str, Path(max_length=32), AfterValidator(refuse_nul)]
AttachmentId = Annotated[str, Path(max_length=18, description="An attachment's id (digits)")]


@router.get("")
async def list_tickets(
    response: Response,
    user: CurrentUser,
    session: SessionDep,
    status: TicketStatus | None = None,
    owner: Annotated[
        Ownership | None, Query(description="`mine` or `unassigned` (the service team's)")
    ] = None,
    breached: Annotated[
        bool, Query(description="Only those that missed, or are missing, a target")
    ] = False,
    customer_id: uuid.UUID | None = None,
    sort: Annotated[Literal["newest", "due"], Query(description="`due`: soonest first")] = "newest",
    limit: Annotated[int, Query(ge=1, le=200)] = PAGE_SIZE,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[TicketPublic]:
    """The tickets the caller may see (staff see all), newest first, a page at a time; the
    `X-Total-Count` header says how many match."""
    filters = TicketFilters(status, owner, breached, customer_id, soonest_due=sort == "due")
    page = await tickets.list_tickets(session, user, filters, limit, offset)
    response.headers["X-Total-Count"] = str(page.total)
    return page.tickets


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
    return await tickets.raise_ticket(
        session, temporal, settings.task_queue, settings.ticket_targets, user, form
    )


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


@router.post("/{number}/resolve", responses=error_responses(403, 404, 409))
async def resolve_ticket(
    number: TicketNumber,
    user: CurrentUser,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> TicketPublic:
    """Resolve the ticket (the service team, or the contact who raised it); it closes by
    itself later unless someone replies. A request's ticket resolves with its request."""
    return await ticket_actions.resolve_ticket(
        session, temporal, settings.task_queue, settings.ticket_targets, user, number
    )


@router.post("/{number}/assign", responses=error_responses(403, 404))
async def assign_ticket(
    number: TicketNumber, body: TicketAssign, user: CurrentUser, session: SessionDep
) -> TicketPublic:
    """Give the ticket (and its request) an owner among the active team, or `null` for
    nobody; the service team's emails about it then go to its owner."""
    return await ticket_actions.assign_ticket(session, user, number, body.owner_id)


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
    return await tickets.add_comment(
        session, temporal, settings.task_queue, settings.ticket_targets, user, number, body
    )


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


@router.post(
    "/{number}/attachments",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(400, 404, 409, 413),
    openapi_extra=KEYED,
)
async def attach_file(
    number: TicketNumber,
    file: Annotated[
        UploadFile,
        File(
            description="PDF, PNG, JPEG, GIF, WebP, text, CSV or an office document "
            "(Word, Excel, PowerPoint, OpenDocument), known by its content; at most "
            "`SIGNOFF_ATTACHMENT_MAX_BYTES`"
        ),
    ],
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
) -> AttachmentPublic:
    """Attach a file to a ticket you can see (multipart, field `file`). Refused: too large
    (413), empty or of another kind (422), on a closed ticket or past
    `SIGNOFF_ATTACHMENTS_PER_TICKET` files (409)."""
    upload = await read_upload(file, settings.attachment_max_bytes)
    return await attachments.attach(session, user, number, upload, limits(settings))


@router.get(
    "/{number}/attachments/{attachment_id}",
    response_class=Response,
    dependencies=[
        Depends(opened_in_browser("/portal/tickets/{number}/attachments/{attachment_id}"))
    ],
    responses={
        200: {
            "description": "The file, as `Content-Disposition: attachment`, typed as its "
            "content showed it to be",
            "content": {kind: {"schema": {"type": "string"}} for kind in EXTENSIONS},
        },
        **error_responses(404),
        303: {"description": "A browser without a token: to the portal's download"},
    },
)
async def download_file(
    number: TicketNumber, attachment_id: AttachmentId, user: CurrentUser, session: SessionDep
) -> Response:
    """A file attached to a ticket you can see."""
    return attachment_response(await attachments.download(session, user, number, attachment_id))


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
