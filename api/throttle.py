"""Clients that keep presenting bad tokens or links are answered 429, and only their failures.

Only failures count: a wrong API token (401) or an unknown emailed link (404), kept in the
database so that every API process counts the same budget. Once a client has used up its
budget of failures within a minute, its further failures are answered 429 with
``Retry-After`` until the oldest ages out. A valid token or link is always answered: no
token or account is ever locked, and nobody is refused for someone else's failures.

The client is the address the connection comes from; ``X-Forwarded-For`` names it only when
the connection comes from a proxy in ``SIGNOFF_TRUSTED_PROXIES`` (none by default).
"""

from fastapi import Request, status
from fastapi.responses import JSONResponse, Response
from sqlalchemy import func
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import database_down
from api.portal.render import render, wants_json
from models.database import SessionFactory, transaction
from models.failed_attempt import COUNTED_FOR, FailedAttempt
from models.types import utcnow

WINDOW = COUNTED_FOR
_LINK_PREFIXES = ("/activate/", "/approvals/", "/portal/sign-in/")
# Asking for a sign-in link: every ask counts, as its answer never says whether it failed.
_SIGN_IN_FORM = "/portal/sign-in"


class Throttle:
    def __init__(self, app: ASGIApp, budget: int) -> None:
        self.app = app
        self.budget = budget

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = _credential(scope) if scope["type"] == "http" else None
        if kind is None:
            await self.app(scope, receive, send)
            return
        sessions: SessionFactory = scope["app"].state.signoff.sessions
        client = (scope["client"][0] if scope.get("client") else "unknown")[:64]
        if kind == "sign-in":
            # Counted before it is answered: past the budget, no link is looked up or sent.
            wait = await self._failed(sessions, client)
            if wait:
                await _refusal(scope, wait)(scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return
        failure = _FAILURES[kind]
        refused = False

        async def watched(message: Message) -> None:
            nonlocal refused
            if message["type"] == "http.response.start" and message["status"] == failure:
                wait = await self._failed(sessions, client)
                if wait:
                    refused = True
                    await _refusal(scope, wait)(scope, receive, send)
                    return
            if not refused:
                await send(message)

        await self.app(scope, receive, watched)

    async def _failed(self, sessions: SessionFactory, client: str) -> int:
        """Count a failure; the seconds to wait instead, once the client is past its budget
        (a failure past the budget is not counted: it only waits)."""
        now = utcnow()
        try:
            async with transaction(sessions) as session:
                count, oldest = (
                    await session.exec(
                        select(func.count(), func.min(FailedAttempt.at)).where(
                            FailedAttempt.client == client, col(FailedAttempt.at) > now - WINDOW
                        )
                    )
                ).one()
                if count >= self.budget and oldest is not None:
                    return max(1, round((oldest + WINDOW - now).total_seconds()))
                session.add(FailedAttempt(client=client, at=now))
        except DBAPIError as error:
            # The failure is answered as it is; the budget waits for the database.
            if not database_down(error):
                raise
        return 0


def _refusal(scope: Scope, wait: int) -> Response:
    headers = {"Retry-After": str(wait), "Cache-Control": "no-store"}
    request = Request(scope)
    if scope["path"].startswith("/portal") and not wants_json(request):
        answer = render(
            request,
            "link_problem.html",
            None,
            "Too many attempts",
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            message=f"Too many attempts from your network just now. Try again in {wait} seconds.",
        )
        answer.headers.update(headers)
        return answer
    return JSONResponse(
        {"detail": f"too many failed attempts from this client; retry in {wait} s"},
        status_code=status.HTTP_429_TOO_MANY_REQUESTS,
        headers=headers,
    )


_FAILURES = {"token": status.HTTP_401_UNAUTHORIZED, "link": status.HTTP_404_NOT_FOUND}


def _credential(scope: Scope) -> str | None:
    """``link`` for an emailed link, ``token`` for a request with a bearer token, ``sign-in``
    for an ask for a sign-in link."""
    if scope["path"] == _SIGN_IN_FORM and scope["method"] == "POST":
        return "sign-in"
    if scope["path"].startswith(_LINK_PREFIXES):
        return "link"
    if any(name == b"authorization" for name, _ in scope["headers"]):
        return "token"
    return None
