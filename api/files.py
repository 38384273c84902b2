"""Files in and out over HTTP: an upload read no further than its limit, and a download that
stays a download (never shown as a page, never sniffed, never cached on the way)."""

from urllib.parse import quote

from fastapi import Response
from starlette.datastructures import UploadFile

from api.services.attachment_checks import Limits, Upload
from models.attachment import TicketAttachment
from settings import Settings

# What RFC 5987 lets stand unescaped in an extended parameter (``attr-char``).
_ATTR_CHARS = "!#$&+-.^_`|~"
DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, no-store",
    # Opened in a tab anyway (a PDF viewer): no script, no requests, no frame of ours.
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Referrer-Policy": "strict-origin",
}


def limits(settings: Settings) -> Limits:
    return Limits(settings.attachment_max_bytes, settings.attachments_per_ticket)


async def read_upload(file: UploadFile, max_bytes: int) -> Upload:
    """The file's name and bytes, read no further than one byte past ``max_bytes``: enough
    to tell that it is too large."""
    data = await file.read(max_bytes + 1)
    return Upload(file.filename, data)


def sent_file(posted: UploadFile | str | None) -> UploadFile | None:
    """The file a form field carries; None when no file was chosen (a browser then sends
    the field with no name and nothing in it)."""
    if isinstance(posted, UploadFile) and (posted.filename or posted.size):
        return posted
    return None


def content_disposition(filename: str) -> str:
    """``attachment``, with the name in ASCII for old clients and in full (RFC 6266)."""
    fallback = "".join(
        ch if " " <= ch <= "~" and ch not in '"\\%' else "_" for ch in filename
    ).strip()
    encoded = quote(filename, safe=_ATTR_CHARS)
    return f"attachment; filename=\"{fallback or 'attachment'}\"; filename*=UTF-8''{encoded}"


def attachment_response(attachment: TicketAttachment) -> Response:
    """The file's bytes, typed as its content showed it to be (text as UTF-8)."""
    return Response(
        attachment.data,
        media_type=attachment.content_type,
        headers={
            **DOWNLOAD_HEADERS,
            "Content-Disposition": content_disposition(attachment.filename),
        },
    )
