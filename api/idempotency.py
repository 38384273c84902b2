"""Creating POSTs with an ``Idempotency-Key``: a retry gets the first answer, nothing twice.

The caller is authenticated first: a request without a valid token is left to the route,
which refuses it, and nothing is looked up or kept for it. The key is then the caller's own
(scoped by their user, however the header is spelt). The first request with a key claims it
and its answer is kept until it expires (``SIGNOFF_IDEMPOTENCY_TTL_SECONDS``); a retry with
the same key and the same request gets that answer again, marked ``Idempotent-Replayed:
true``; the same key with a different request is refused (422), and one that arrives while
the first is still being answered is told to retry (409). An answer the server failed to
give (5xx) is not kept, so the retry runs afresh. A claim left unanswered for longer than
any answer takes (the API process died while answering) is taken over by the next retry.
An answer that carried a person since erased is forgotten, its key still claimed (409).
"""

import hashlib
import logging
import re
from datetime import timedelta
from typing import Any

from fastapi import status
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import col, select, update
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import DATABASE_DOWN, database_down
from api.identity import Principal, authenticate
from models.database import SessionFactory, transaction
from models.idempotency import IdempotentAnswer
from models.kinds import KINDS
from models.types import utcnow

HEADER = b"idempotency-key"
MAX_KEY_LENGTH = 200
# Far longer than any answer takes (the longest waits on Temporal are about 10 s).
ABANDONED_AFTER = timedelta(minutes=2)
log = logging.getLogger(__name__)
# The header in the OpenAPI schema of each creating route (``openapi_extra``).
KEYED: dict[str, Any] = {
    "parameters": [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
            "description": "Your own key for this request: a retry with the same key and body "
            "gets the first answer (marked `Idempotent-Replayed: true`) and creates nothing.",
        }
    ]
}
KEYED_PATHS = re.compile(
    rf"^/customers/[^/]+/({'|'.join(kind.path for kind in KINDS.values())})$"
    r"|^/tickets$|^/tickets/[^/]+/(comments|participants|attachments|notes)$"
    r"|^/customers/[^/]+/notes$|^/customers$|^/staff$"
)


class Idempotency:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers", [])) if scope["type"] == "http" else {}
        key = headers.get(HEADER)
        token = _bearer(headers.get(b"authorization"))
        creating = scope["type"] == "http" and scope["method"] == "POST"
        if not (creating and key is not None and token and KEYED_PATHS.match(scope["path"])):
            await self.app(scope, receive, send)
            return
        sessions: SessionFactory = scope["app"].state.signoff.sessions
        try:
            admitted = await _admit(scope, receive, sessions, token, key)
        except DBAPIError as error:
            # Outside the app, so its exception handlers do not answer for it.
            if not database_down(error):
                raise
            admitted = JSONResponse({"detail": DATABASE_DOWN}, 503)
        if admitted is None:
            # The route refuses it (401); nothing is kept or replayed for a bad token.
            await self.app(scope, receive, send)
        elif isinstance(admitted, Response):
            await admitted(scope, receive, send)
        else:
            body, claim = admitted
            await self._answer_first(scope, body, receive, send, sessions, claim)

    async def _answer_first(
        self,
        scope: Scope,
        body: bytes,
        receive: Receive,
        send: Send,
        sessions: SessionFactory,
        claim: IdempotentAnswer,
    ) -> None:
        given = False
        answer: dict[str, Any] = {"chunks": [], "settled": False}

        async def once() -> Message:
            nonlocal given
            if given:
                return await receive()  # the body is read: only a disconnect can come
            given = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def kept(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                answer["headers"] = {
                    name.decode("latin-1").lower(): value.decode("latin-1")
                    for name, value in message.get("headers", [])
                }
            elif message["type"] == "http.response.body":
                answer["chunks"].append(message.get("body", b""))
                if not message.get("more_body", False):
                    # Kept before the client has the last byte: its retry finds the answer.
                    await _settle_if_possible(sessions, claim, answer)
            await send(message)

        try:
            await self.app(scope, once, kept)
        finally:
            if not answer["settled"]:
                await _release(sessions, claim)


async def _admit(
    scope: Scope, receive: Receive, sessions: SessionFactory, token: str, key: bytes
) -> Response | tuple[bytes, IdempotentAnswer] | None:
    """What becomes of a keyed request: None leaves it to the route (no valid caller); an
    answer is given at once (a bad key, a retry); else its body and the claim it now owns."""
    caller = await _caller(sessions, token)
    if caller is None:
        return None
    text = key.decode("latin-1").strip()
    if not text or len(text) > MAX_KEY_LENGTH:
        problem = f"must be 1 to {MAX_KEY_LENGTH} characters"
        return _problem(422, [{"loc": ["header", "Idempotency-Key"], "msg": problem}])
    try:
        body = await _whole_body(receive)
    except HTTPException as error:
        return JSONResponse({"detail": error.detail}, error.status_code)
    kept_for = timedelta(seconds=scope["app"].state.signoff.settings.idempotency_ttl_seconds)
    now = utcnow()
    claim = IdempotentAnswer(
        user_id=caller.user_id,
        key=text,
        route=f"POST {scope['path']}",
        body_hash=_fingerprint(scope, body),
        created_at=now,
        expires_at=now + kept_for,
    )
    earlier = await _claim(sessions, claim)
    if earlier is not None:
        return _answer_again(earlier, claim)
    return body, claim


async def _settle(
    sessions: SessionFactory, claim: IdempotentAnswer, answer: dict[str, Any]
) -> None:
    """Keep the answer; or, if the server failed to give one (5xx) or said to try again
    later (429), free the key."""
    answer["settled"] = True
    if answer["status"] >= 500 or answer["status"] == status.HTTP_429_TOO_MANY_REQUESTS:
        await _release(sessions, claim)
        return
    await _keep(sessions, claim, answer["status"], answer["headers"], b"".join(answer["chunks"]))


async def _settle_if_possible(
    sessions: SessionFactory, claim: IdempotentAnswer, answer: dict[str, Any]
) -> None:
    """The client gets its answer even if the database has just gone: the claim is then
    left unanswered, and a retry after ``ABANDONED_AFTER`` runs afresh."""
    try:
        await _settle(sessions, claim, answer)
    except DBAPIError as error:
        if not database_down(error):
            raise
        log.warning(
            "the answer to %s could not be kept for its Idempotency-Key: the database is "
            "unavailable",
            claim.route,
        )


async def _whole_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


_BOUNDARY = re.compile(rb'boundary="?([^";]+)"?', re.IGNORECASE)


def _fingerprint(scope: Scope, body: bytes) -> str:
    """The body's hash: a multipart body's (a file) without its boundary, which a client
    draws anew each time it sends the same form again."""
    content_type = dict(scope.get("headers", [])).get(b"content-type", b"")
    boundary = _BOUNDARY.search(content_type) if content_type.startswith(b"multipart/") else None
    if boundary is not None:
        body = body.replace(boundary.group(1), b"")
    return hashlib.sha256(body).hexdigest()


def _bearer(header: bytes | None) -> str | None:
    """The token of an ``Authorization: Bearer`` header, read as the routes read it."""
    scheme, token = get_authorization_scheme_param(header.decode("latin-1") if header else None)
    return token or None if scheme.lower() == "bearer" else None


async def _caller(sessions: SessionFactory, token: str) -> Principal | None:
    async with sessions() as session:
        return await authenticate(session, token)


async def _claim(sessions: SessionFactory, claim: IdempotentAnswer) -> IdempotentAnswer | None:
    """None if this request now owns the key; else the answer kept (or pending) for it."""
    try:
        async with transaction(sessions) as session:
            session.add(claim)
        return None
    except IntegrityError:
        async with sessions() as session:
            earlier = (
                await session.exec(
                    select(IdempotentAnswer).where(
                        IdempotentAnswer.user_id == claim.user_id,
                        IdempotentAnswer.key == claim.key,
                    )
                )
            ).first()
    if earlier is None:
        # Purged (expired) between the two statements: the key is free again.
        again = IdempotentAnswer(**claim.model_dump(exclude={"id"}))
        found = await _claim(sessions, again)
        claim.id = again.id
        return found
    if await _take_over(sessions, earlier, claim):
        return None
    return earlier


def _free(earlier: IdempotentAnswer, claim: IdempotentAnswer) -> bool:
    """Whether a retry may take the key over: the answer has expired (it is never replayed
    after that), or the same request's claim was never answered within ``ABANDONED_AFTER``
    (its API process died while answering)."""
    if earlier.expires_at <= claim.created_at:
        return True
    same_request = (earlier.route, earlier.body_hash) == (claim.route, claim.body_hash)
    abandoned = earlier.created_at < claim.created_at - ABANDONED_AFTER
    return earlier.status_code is None and abandoned and same_request


async def _take_over(
    sessions: SessionFactory, earlier: IdempotentAnswer, claim: IdempotentAnswer
) -> bool:
    """Make a free key this request's claim. Only one retry wins it: the row is taken only
    while it is still as this one read it."""
    if not _free(earlier, claim):
        return False
    async with transaction(sessions) as session:
        taken = await session.exec(
            update(IdempotentAnswer)
            .where(
                col(IdempotentAnswer.id) == earlier.id,
                col(IdempotentAnswer.created_at) == earlier.created_at,
            )
            .values(
                route=claim.route,
                body_hash=claim.body_hash,
                status_code=None,
                content_type=None,
                location=None,
                body=None,
                created_at=claim.created_at,
                expires_at=claim.expires_at,
                erased_at=None,
            )
        )
    if taken.rowcount != 1:
        return False
    claim.id = earlier.id
    return True


async def _keep(
    sessions: SessionFactory,
    claim: IdempotentAnswer,
    status: int,
    headers: dict[str, str],
    body: bytes,
) -> None:
    async with transaction(sessions) as session:
        row = await session.get(IdempotentAnswer, claim.id)
        if row is None:
            return
        row.status_code = status
        row.content_type = headers.get("content-type", "")[:100] or None
        row.location = headers.get("location", "")[:300] or None
        row.body = body


async def _release(sessions: SessionFactory, claim: IdempotentAnswer) -> None:
    async with transaction(sessions) as session:
        row = await session.get(IdempotentAnswer, claim.id)
        if row is not None:
            await session.delete(row)


def _answer_again(earlier: IdempotentAnswer, claim: IdempotentAnswer) -> Response:
    if earlier.erased_at is not None:
        # Nothing is created twice, and the person the answer carried stays erased.
        return JSONResponse(
            {
                "detail": "this Idempotency-Key was already used; its answer named a person "
                "whose data has since been erased, so it cannot be given again"
            },
            status_code=409,
            headers={"Location": earlier.location} if earlier.location else None,
        )
    if (earlier.route, earlier.body_hash) != (claim.route, claim.body_hash):
        return _problem(
            422,
            [
                {
                    "loc": ["header", "Idempotency-Key"],
                    "msg": "this key was already used with a different request; use a new key",
                }
            ],
        )
    if earlier.status_code is None:
        return JSONResponse(
            {"detail": "the first request with this Idempotency-Key is still being answered"},
            status_code=409,
            headers={"Retry-After": "1"},
        )
    headers = {"Idempotent-Replayed": "true"}
    if earlier.location:
        headers["Location"] = earlier.location
    return Response(
        earlier.body or b"",
        status_code=earlier.status_code,
        media_type=earlier.content_type,
        headers=headers,
    )


def _problem(status: int, detail: list[dict[str, Any]]) -> Response:
    return JSONResponse(
        {"detail": [{**item, "type": "value_error"} for item in detail]}, status_code=status
    )
