"""A client's retry of a creating POST with the same Idempotency-Key creates nothing twice."""

from typing import Any

from models.ticket import Ticket
from tests.conftest import Stack
from tests.e2e.profile import NEW_LEGAL, count, request_rows

TICKET = {"subject": "Invoice question", "body": "Which address is on it?", "shared": False}


def _keyed(stack: Stack, who: str, key: str) -> dict[str, str]:
    return {**stack.auth(who), "Idempotency-Key": key}


async def _file(stack: Stack, key: str, body: dict[str, Any]) -> Any:
    return await stack.http.post(
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
