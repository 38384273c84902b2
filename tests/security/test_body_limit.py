"""A request body above the configured size is refused with 413, unread, and stores nothing."""

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.conftest import Stack
from tests.e2e.profile import NEW_LEGAL, request_rows

LIMIT = 4096


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"max_body_bytes": LIMIT}


def _batch_of(size: int) -> bytes:
    """A contact-change batch whose JSON is ``size`` bytes long, padded in a job title."""
    batch: dict[str, Any] = {"changes": [{"op": "add", "contact": {"job_title": ""}}]}
    padding = size - len(json.dumps(batch).encode())
    batch["changes"][0]["contact"]["job_title"] = "x" * padding
    body = json.dumps(batch).encode()
    assert len(body) == size
    return body


async def test_a_body_over_the_limit_is_refused_and_stores_nothing(stack: Stack) -> None:
    response = await stack.http.post(
        f"/customers/{stack.customer_id}/contact-change-requests",
        content=_batch_of(LIMIT + 1),
        headers={**stack.auth("Derek"), "Content-Type": "application/json"},
    )
    assert response.status_code == 413, response.text
    assert (
        response.json()["detail"]
        == f"the request body is larger than the {LIMIT} bytes this API accepts"
    )
    assert await request_rows(stack) == 0


async def test_a_streamed_body_without_a_length_is_cut_off_at_the_limit(stack: Stack) -> None:
    body = _batch_of(4 * LIMIT)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 1024):
            yield body[start : start + 1024]

    response = await stack.http.post(
        f"/customers/{stack.customer_id}/contact-change-requests",
        content=chunks(),
        headers={**stack.auth("Derek"), "Content-Type": "application/json"},
    )
    assert response.status_code == 413, response.text
    assert f"larger than the {LIMIT} bytes" in response.json()["detail"]
    assert await request_rows(stack) == 0


async def test_a_body_at_the_limit_is_read(stack: Stack) -> None:
    response = await stack.http.post(
        f"/customers/{stack.customer_id}/contact-change-requests",
        content=_batch_of(LIMIT),
        headers={**stack.auth("Derek"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422, "read and validated, not refused for its size"


async def test_an_ordinary_request_is_unaffected(stack: Stack) -> None:
    response = await stack.http.post(
        f"/customers/{stack.customer_id}/profile-change-requests",
        json={"legal": NEW_LEGAL},
        headers=stack.auth("Derek"),
    )
    assert response.status_code == 201, response.text


async def test_a_keyed_body_over_the_limit_is_refused_and_leaves_the_key_free(
    stack: Stack,
) -> None:
    """Idempotency reads the body itself: the limit still holds, and with the same reason."""
    body = _batch_of(4 * LIMIT)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 1024):
            yield body[start : start + 1024]

    keyed = {**stack.auth("Derek"), "Idempotency-Key": "big-then-small"}
    response = await stack.http.post(
        f"/customers/{stack.customer_id}/contact-change-requests",
        content=chunks(),
        headers={**keyed, "Content-Type": "application/json"},
    )
    assert response.status_code == 413, response.text
    assert f"larger than the {LIMIT} bytes" in response.json()["detail"]
    assert await request_rows(stack) == 0

    filed = await stack.http.post(
        f"/customers/{stack.customer_id}/profile-change-requests",
        json={"legal": NEW_LEGAL},
        headers=keyed,
    )
    assert filed.status_code == 201, filed.text
