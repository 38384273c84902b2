"""Tickets with the service team and their comments."""

from typing import Annotated

from fastapi import APIRouter, Depends, File, Path, Response, UploadFile, status
from pydantic import AfterValidator

from api.deps import CurrentUser, SessionDep, SettingsDep, TemporalDep
from api.errors import error_responses
from api.files import attachment_response, limits, read_upload
from api.idempotency import KEYED
from api.portal.render import opened_in_browser
from api.services import attachments, tickets
from models.attachment import AttachmentPublic
from models.common import refuse_nul
from models.file_types import EXTENSIONS
from models.ticket import CommentCreate, CommentPublic, TicketCreate, TicketPublic

router = APIRouter(prefix="/tickets", tags=["tickets"], responses=error_responses(401, 429, 503))

TicketNumber = Annotated[str, Path(max_length=32), AfterValidator(refuse_nul)]
AttachmentId = Annotated[str, Path(max_length=18, description="An attachment's id (digits)")]


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
