"""A client's retry of a creating POST with the same Idempotency-Key creates nothing twice."""

import asyncio
import hashlib
import json
import re
import uuid
from contextlib import AbstractAsyncContextManager, suppress
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import select

from api.idempotency import ABANDONED_AFTER, KEYED_PATHS
from api.main import create_app
from models.database import begin_write
from models.idempotency import IdempotentAnswer
from models.ticket import Ticket
from models.tokens import generate_token, hash_token
from models.types import utcnow
from models.user import ApiToken
from settings import Settings
from tests.conftest import Stack, serve
from tests.e2e.profile import NEW_LEGAL, count, request_rows
from tests.tcp_proxy import TcpProxy

TICKET = {"subject": "Invoice question", "body": "Which address is on it?", "shared": False}


def _keyed(stack: Stack, who: str, key: str) -> dict[str, str]:
    return {**stack.auth(who), "Idempotency-Key": key}


async def _file(
    stack: Stack, key: str, body: dict[str, Any], http: httpx.AsyncClient | None = None
) -> httpx.Response:
    return await (http or stack.http).post(
        f"/customers/{stack.customer_id}/profile-change-requests",
        json=body,
        headers=_keyed(stack, "Derek", key),
    )


async def test_a_retried_submission_gets_the_first_answer_and_files_once(stack: Stack) -> None:
    first = await _file(stack, "retry-1", {"legal": NEW_LEGAL})
    again = await _file(stack, "retry-1", {"legal": NEW_LEGAL})
    assert first.status_code == again.status_code == 201, again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await request_rows(stack) == 1
    await stack.wait_for_mail(lambda m: "received" in m.subject.lower())
    assert len([m for m in stack.mail.messages if "received" in m.subject.lower()]) == 1


async def test_the_same_key_with_another_body_is_refused(stack: Stack) -> None:
    assert (await _file(stack, "retry-2", {"legal": NEW_LEGAL})).status_code == 201
    changed = {"legal": {**NEW_LEGAL, "name": "Another Name plc"}}
    refused = await _file(stack, "retry-2", changed)
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert await request_rows(stack) == 1


async def test_keys_are_each_callers_own(stack: Stack) -> None:
    for who in ("Derek", "Teresa", "Derek"):
        response = await stack.http.post(
            "/tickets", json=TICKET, headers=_keyed(stack, who, "same-key")
        )
        assert response.status_code == 201, response.text
    assert await count(stack, Ticket) == 2


async def test_without_a_key_each_post_creates(stack: Stack) -> None:
    for _ in range(2):
        response = await stack.http.post("/tickets", json=TICKET, headers=stack.auth("Derek"))
        assert response.status_code == 201
    assert await count(stack, Ticket) == 2


async def test_a_refusal_is_replayed_too(stack: Stack) -> None:
    first = await stack.http.post("/tickets", json={}, headers=_keyed(stack, "Derek", "bad"))
    again = await stack.http.post("/tickets", json={}, headers=_keyed(stack, "Derek", "bad"))
    assert first.status_code == again.status_code == 422
    assert again.json() == first.json()


async def test_a_key_too_long_is_refused(stack: Stack) -> None:
    response = await stack.http.post(
        "/tickets", json=TICKET, headers=_keyed(stack, "Derek", "k" * 201)
    )
    assert response.status_code == 422
    assert await count(stack, Ticket) == 0


class HeldProxy(TcpProxy):
    """A proxy whose traffic can be held: a call through it waits until it is let go."""

    def __init__(self, target_host: str, target_port: int) -> None:
        super().__init__(target_host, target_port)
        self.flowing = asyncio.Event()
        self.flowing.set()

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            target_r, target_w = await asyncio.open_connection(*self._target)
        except OSError:
            client_w.close()
            return
        self._links.update({client_w, target_w})
        await asyncio.gather(self._pipe(client_r, target_w), self._pipe(target_r, client_w))
        self._links.difference_update({client_w, target_w})

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                await self.flowing.wait()
                writer.write(data)
                await writer.drain()
        writer.close()


def _temporal(stack: Stack) -> tuple[str, int]:
    host, port = stack.settings.temporal_address.rsplit(":", 1)
    return host, int(port)


def _through(stack: Stack, proxy: TcpProxy) -> AbstractAsyncContextManager[httpx.AsyncClient]:
    """The API served with its Temporal client going through the proxy."""
    settings = stack.settings.model_copy(update={"temporal_address": proxy.address})
    return serve(create_app(settings))


async def _pending(stack: Stack, key: str) -> None:
    """Until the first request with the key has claimed it and is not answered yet."""
    for _ in range(200):
        async with stack.sessions() as session:
            claims = await session.exec(select(IdempotentAnswer).where(IdempotentAnswer.key == key))
            if any(claim.status_code is None for claim in claims):
                return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"no request claimed the key {key!r}")


async def test_a_retry_while_the_first_is_still_answered_is_told_to_retry(stack: Stack) -> None:
    proxy = HeldProxy(*_temporal(stack))
    await proxy.start()
    try:
        async with _through(stack, proxy) as http:
            assert (await http.get("/readyz")).status_code == 200, "connected to Temporal"
            proxy.flowing.clear()
            first = asyncio.create_task(_file(stack, "in-flight", {"legal": NEW_LEGAL}, http))
            await _pending(stack, "in-flight")

            again = await _file(stack, "in-flight", {"legal": NEW_LEGAL}, http)
            assert again.status_code == 409, again.text
            assert again.headers["retry-after"] == "1"
            assert "still being answered" in again.json()["detail"]
            assert not first.done(), "the first is still waiting for Temporal"

            proxy.flowing.set()
            answered = await first
            assert answered.status_code == 201, answered.text
            replayed = await _file(stack, "in-flight", {"legal": NEW_LEGAL}, http)
            assert replayed.status_code == 201
            assert replayed.headers["idempotent-replayed"] == "true"
            assert replayed.json()["id"] == answered.json()["id"]
    finally:
        proxy.flowing.set()
        await proxy.stop()
    assert await request_rows(stack) == 1


async def test_a_first_answer_that_is_a_server_error_frees_the_key(stack: Stack) -> None:
    proxy = TcpProxy(*_temporal(stack))
    await proxy.start()
    await proxy.stop()
    try:
        async with _through(stack, proxy) as http:
            failed = await _file(stack, "after-503", {"legal": NEW_LEGAL}, http)
            assert failed.status_code == 503, failed.text
            assert await count(stack, IdempotentAnswer) == 0, "the key is free again"
            assert await request_rows(stack) == 0

            await proxy.start()
            retried = await _file(stack, "after-503", {"legal": NEW_LEGAL}, http)
            assert retried.status_code == 201, retried.text
            assert "idempotent-replayed" not in retried.headers, "processed afresh"
            again = await _file(stack, "after-503", {"legal": NEW_LEGAL}, http)
            assert again.headers["idempotent-replayed"] == "true"
            assert again.json()["id"] == retried.json()["id"]
    finally:
        await proxy.stop()
    assert await request_rows(stack) == 1


async def _plant_unanswered_claim(stack: Stack, key: str, body: bytes, age: timedelta) -> None:
    """The claim an API process leaves behind when it dies while answering."""
    derek = next(c for c in stack.demo["customers"][0]["contacts"] if c["name"].startswith("Derek"))
    async with stack.sessions() as session:
        session.add(
            IdempotentAnswer(
                user_id=uuid.UUID(derek["user_id"]),
                key=key,
                route=f"POST /customers/{stack.customer_id}/profile-change-requests",
                body_hash=hashlib.sha256(body).hexdigest(),
                created_at=utcnow() - age,
                expires_at=utcnow() + timedelta(hours=1),
            )
        )
        await session.commit()


async def _file_raw(stack: Stack, key: str, body: bytes) -> httpx.Response:
    return await stack.http.post(
        f"/customers/{stack.customer_id}/profile-change-requests",
        content=body,
        headers={**_keyed(stack, "Derek", key), "Content-Type": "application/json"},
    )


async def test_a_claim_abandoned_by_a_dead_api_process_is_taken_over_by_the_retry(
    stack: Stack,
) -> None:
    body = json.dumps({"legal": NEW_LEGAL}).encode()
    await _plant_unanswered_claim(stack, "orphan", body, ABANDONED_AFTER + timedelta(seconds=5))

    other = json.dumps({"legal": {**NEW_LEGAL, "name": "Another Name plc"}}).encode()
    refused = await _file_raw(stack, "orphan", other)
    assert refused.status_code == 422, "an abandoned key is still only for its own request"

    retried = await _file_raw(stack, "orphan", body)
    assert retried.status_code == 201, retried.text
    assert "idempotent-replayed" not in retried.headers, "processed afresh"
    again = await _file_raw(stack, "orphan", body)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == retried.json()["id"]
    assert await request_rows(stack) == 1
    assert await count(stack, IdempotentAnswer) == 1


async def test_a_recent_unanswered_claim_is_not_taken_over(stack: Stack) -> None:
    body = json.dumps({"legal": NEW_LEGAL}).encode()
    await _plant_unanswered_claim(stack, "young", body, ABANDONED_AFTER - timedelta(seconds=30))
    told = await _file_raw(stack, "young", body)
    assert told.status_code == 409, told.text
    assert await request_rows(stack) == 0


def test_the_schema_offers_the_key_on_exactly_the_routes_that_honour_it() -> None:
    spec = create_app(Settings()).openapi()
    offered, honoured = set(), set()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
            if "Idempotency-Key" in names:
                offered.add(f"{method.upper()} {path}")
            concrete = re.sub(r"\{[^}]+\}", "x", path)
            if method == "post" and KEYED_PATHS.match(concrete):
                honoured.add(f"{method.upper()} {path}")
    assert len(honoured) == 12, honoured
    assert offered == honoured


async def _answers(stack: Stack) -> list[IdempotentAnswer]:
    async with stack.sessions() as session:
        return list(await session.exec(select(IdempotentAnswer)))


async def test_a_caller_without_a_valid_token_keeps_and_replays_nothing(stack: Stack) -> None:
    for headers in (
        {"Authorization": "Bearer so_not_a_token", "Idempotency-Key": "k"},
        {"Authorization": "Basic ZGVyZWs6cGFzcw==", "Idempotency-Key": "k"},
        {"Idempotency-Key": "k"},
    ):
        refused = await stack.http.post("/tickets", json=TICKET, headers=headers)
        assert refused.status_code == 401, refused.text
    assert await _answers(stack) == []

    first = await stack.http.post("/tickets", json=TICKET, headers=_keyed(stack, "Derek", "r"))
    assert first.status_code == 201
    async with stack.sessions() as session:
        await begin_write(session)  # the ticket's email is being logged meanwhile
        for token in await session.exec(select(ApiToken)):
            token.revoked_at = utcnow()
        await session.commit()
    replayed = await stack.http.post("/tickets", json=TICKET, headers=_keyed(stack, "Derek", "r"))
    assert replayed.status_code == 401, "a revoked token is refused, not answered from the store"
    assert "idempotent-replayed" not in replayed.headers
    assert await count(stack, Ticket) == 1


async def test_keys_belong_to_the_user_however_the_credential_is_spelt(stack: Stack) -> None:
    token = stack.tokens["Derek"]
    second = generate_token()
    derek = next(c for c in stack.demo["customers"][0]["contacts"] if c["name"].startswith("Derek"))
    async with stack.sessions() as session:
        session.add(ApiToken(user_id=uuid.UUID(derek["user_id"]), token_hash=hash_token(second)))
        await session.commit()
    spellings = (f"Bearer {token}", f"bearer {token}", f"BEARER   {token}", f"Bearer {second}")
    answers = [
        await stack.http.post(
            "/tickets", json=TICKET, headers={"Authorization": auth, "Idempotency-Key": "mine"}
        )
        for auth in spellings
    ]
    assert [a.status_code for a in answers] == [201] * 4
    assert [a.headers.get("idempotent-replayed") for a in answers] == [None, "true", "true", "true"]
    assert {a.json()["number"] for a in answers} == {answers[0].json()["number"]}
    assert await count(stack, Ticket) == 1
    assert [answer.user_id for answer in await _answers(stack)] == [uuid.UUID(derek["user_id"])]


class TestExpiry:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"idempotency_ttl_seconds": 90}

    async def test_an_answer_is_kept_for_the_ttl_then_never_replayed(self, stack: Stack) -> None:
        first = await stack.http.post("/tickets", json=TICKET, headers=_keyed(stack, "Derek", "e"))
        assert first.status_code == 201
        (answer,) = await _answers(stack)
        assert answer.expires_at - answer.created_at == timedelta(seconds=90)

        async with stack.sessions() as session:
            await begin_write(session)  # the ticket's email is being logged meanwhile
            row = await session.get(IdempotentAnswer, answer.id)
            assert row is not None
            row.expires_at = utcnow() - timedelta(seconds=1)
            await session.commit()
        again = await stack.http.post("/tickets", json=TICKET, headers=_keyed(stack, "Derek", "e"))
        assert again.status_code == 201 and "idempotent-replayed" not in again.headers
        assert again.json()["number"] != first.json()["number"]
        replayed = await stack.http.post(
            "/tickets", json=TICKET, headers=_keyed(stack, "Derek", "e")
        )
        assert replayed.headers["idempotent-replayed"] == "true"
        assert replayed.json()["number"] == again.json()["number"]
        assert await count(stack, Ticket) == 2 and len(await _answers(stack)) == 1
