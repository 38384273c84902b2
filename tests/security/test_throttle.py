"""Repeated failed token or link attempts from one client are slowed (429), and only them."""

from typing import Any

import pytest

from api.throttle import WINDOW_SECONDS, FailedAttempts
from tests.conftest import Stack

BUDGET = 5


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_client_within_its_budget_may_go_on() -> None:
    attempts = FailedAttempts(BUDGET, Clock())
    for _ in range(BUDGET - 1):
        attempts.failed("10.0.0.1")
    assert attempts.retry_after("10.0.0.1") == 0


def test_a_client_past_its_budget_waits_until_its_oldest_failure_ages_out() -> None:
    clock = Clock()
    attempts = FailedAttempts(BUDGET, clock)
    for _ in range(BUDGET):
        attempts.failed("10.0.0.1")
        clock.now += 1
    assert attempts.retry_after("10.0.0.1") == WINDOW_SECONDS - BUDGET
    clock.now += WINDOW_SECONDS - BUDGET + 0.5
    assert attempts.retry_after("10.0.0.1") == 0


def test_other_clients_are_not_slowed() -> None:
    attempts = FailedAttempts(BUDGET, Clock())
    for _ in range(BUDGET * 3):
        attempts.failed("10.0.0.1")
    assert attempts.retry_after("10.0.0.1") > 0
    assert attempts.retry_after("10.0.0.2") == 0


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"failed_attempts_per_minute": BUDGET}


async def test_bad_tokens_then_429_while_nothing_is_locked(stack: Stack) -> None:
    bad = {"Authorization": "Bearer so_not_a_token"}
    url = f"/customers/{stack.customer_id}"
    for _ in range(BUDGET):
        assert (await stack.http.get(url, headers=bad)).status_code == 401
    slowed = await stack.http.get(url, headers=bad)
    assert slowed.status_code == 429, slowed.text
    assert 0 < int(slowed.headers["retry-after"]) <= WINDOW_SECONDS
    assert "too many failed attempts" in slowed.json()["detail"]
    # The same client is slowed for any token, even a good one; nothing was locked or revoked
    # (shown by the throttle's own tests: another client goes on at once).
    assert (await stack.http.get(url, headers=stack.auth("Derek"))).status_code == 429
    # Requests without a credential are not throttled.
    assert (await stack.http.get("/healthz")).status_code == 200


async def test_unknown_links_count_and_are_slowed(stack: Stack) -> None:
    for _ in range(BUDGET):
        response = await stack.http.get("/approvals/not-a-real-token")
        assert response.status_code == 404
    assert (await stack.http.get("/activate/another-guess")).status_code == 429


async def test_successes_do_not_count(stack: Stack) -> None:
    url = f"/customers/{stack.customer_id}"
    for _ in range(BUDGET * 2):
        assert (await stack.http.get(url, headers=stack.auth("Derek"))).status_code == 200
    assert (await stack.http.get(url, headers={"Authorization": "Bearer x"})).status_code == 401
