"""Clients that keep presenting bad tokens or links are slowed down (429).

Only failures count: a wrong API token (401) or an unknown emailed link (404). Once one
client has used up its budget of failures within a minute, its further attempts with a token
or a link are answered 429 with ``Retry-After`` until the oldest failure ages out. No token
or account is ever locked, so the rightful user, from their own client, is never kept out.
"""

import time
from collections import deque
from collections.abc import Callable

from fastapi import status
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

WINDOW_SECONDS = 60.0
_LINK_PREFIXES = ("/activate/", "/approvals/")
# Beyond this many clients with recent failures, the oldest are forgotten first.
_MAX_CLIENTS = 50_000


class FailedAttempts:
    """Failures per client within a sliding window."""

    def __init__(self, budget: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.budget = budget
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}

    def retry_after(self, client: str) -> int:
        """Seconds until the client may try again; 0 while it is within its budget."""
        failures = self._recent(client)
        if len(failures) < self.budget:
            return 0
        return max(1, round(failures[0] + WINDOW_SECONDS - self._clock()))

    def failed(self, client: str) -> None:
        if client not in self._failures and len(self._failures) >= _MAX_CLIENTS:
            self._failures.pop(next(iter(self._failures)))
        self._failures.setdefault(client, deque()).append(self._clock())

    def _recent(self, client: str) -> deque[float]:
        failures = self._failures.get(client, deque())
        horizon = self._clock() - WINDOW_SECONDS
        while failures and failures[0] <= horizon:
            failures.popleft()
        if not failures:
            self._failures.pop(client, None)
        return failures


class Throttle:
    def __init__(self, app: ASGIApp, attempts: FailedAttempts) -> None:
        self.app = app
        self.attempts = attempts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = _credential(scope) if scope["type"] == "http" else None
        if kind is None:
            await self.app(scope, receive, send)
            return
        client = scope["client"][0] if scope.get("client") else "unknown"
        wait = self.attempts.retry_after(client)
        if wait:
            refusal = JSONResponse(
                {"detail": f"too many failed attempts from this client; retry in {wait} s"},
                status_code=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(wait), "Cache-Control": "no-store"},
            )
            await refusal(scope, receive, send)
            return
        failure = status.HTTP_401_UNAUTHORIZED if kind == "token" else status.HTTP_404_NOT_FOUND

        async def watched(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == failure:
                self.attempts.failed(client)
            await send(message)

        await self.app(scope, receive, watched)


def _credential(scope: Scope) -> str | None:
    """``link`` for an emailed link, ``token`` for a request with a bearer token."""
    if scope["path"].startswith(_LINK_PREFIXES):
        return "link"
    if any(name == b"authorization" for name, _ in scope["headers"]):
        return "token"
    return None
