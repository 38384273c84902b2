"""Request bodies above the configured size: refused with 413 and a clear reason.

A body whose declared length is too large is refused before a byte of it is read; one sent
without a length is counted as it arrives and refused once it passes the limit. The routes
that take a file attached to a ticket take a body as large as the file may be, and as any
other body besides (the rest of its form); a multipart body's files are spooled to disk as
they arrive, never held whole in memory.
"""

import re
from collections.abc import Callable

from fastapi import status
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.file_types import too_large as file_too_large

# The API's upload, and the portal's forms that may carry a file (a reply may carry one).
UPLOADS = re.compile(
    r"^(/portal)?/tickets/[^/]+/attachments$"
    r"|^/portal/tickets/[^/]+/comments$|^/portal/requests/[^/]+/reply$"
)
# The refusal as a page, for a person's browser; None: the JSON refusal.
PageRefusal = Callable[[Scope, str], Response | None]


def too_large(max_bytes: int) -> str:
    return f"the request body is larger than the {max_bytes} bytes this API accepts"


class BodyLimit:
    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        file_bytes: int = 0,
        page: PageRefusal | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.file_bytes = file_bytes
        self.page = page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = self.file_bytes > 0 and bool(UPLOADS.match(scope["path"]))
        limit = self.max_bytes + (self.file_bytes if upload else 0)
        reason = file_too_large(self.file_bytes) if upload else too_large(self.max_bytes)
        if _declared_length(scope) > limit:
            page = self.page(scope, reason) if self.page else None
            refusal = page or JSONResponse(
                {"detail": reason}, status_code=status.HTTP_413_CONTENT_TOO_LARGE
            )
            refusal.headers["Connection"] = "close"
            await refusal(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # An HTTPException passes through FastAPI's body parsing to its handler.
                    raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, detail=reason)
            return message

        await self.app(scope, counted, send)


def _declared_length(scope: Scope) -> int:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0
