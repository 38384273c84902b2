"""Repeated failed token or link attempts from one client are slowed (429), and only them:
counted where every API process sees them, by the address the connection comes from."""

import asyncio
from typing import Any

import pytest
from sqlmodel import select

from api.main import create_app
from api.throttle import WINDOW
from models.failed_attempt import FailedAttempt
from tests.conftest import Stack, serve
from tests.e2e.purchaser import approval_links, filed_addition

BUDGET = 5
BAD = {"Authorization": "Bearer so_not_a_token"}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"failed_attempts_per_minute": BUDGET}


async def _clients(stack: Stack) -> list[str]:
    async with stack.sessions() as session:
        return list(await session.exec(select(FailedAttempt.client)))


async def test_bad_tokens_then_429_while_valid_tokens_go_on(stack: Stack) -> None:
    url = f"/customers/{stack.customer_id}"
    for _ in range(BUDGET):
        assert (await stack.http.get(url, headers=BAD)).status_code == 401
    slowed = await stack.http.get(url, headers=BAD)
    assert slowed.status_code == 429, slowed.text
    assert 0 < int(slowed.headers["retry-after"]) <= WINDOW.total_seconds()
    assert "too many failed attempts" in slowed.json()["detail"]
    # Someone else's failures never refuse a valid token, even from the same address;
    # nothing was locked or revoked.
    assert (await stack.http.get(url, headers=stack.auth("Derek"))).status_code == 200
    assert (await stack.http.get(url, headers=BAD)).status_code == 429
    # Requests without a credential are not throttled; past the budget nothing more is kept.
    assert (await stack.http.get("/healthz")).status_code == 200
    assert await _clients(stack) == ["127.0.0.1"] * BUDGET


async def test_unknown_links_count_and_are_slowed_and_a_real_link_still_opens(
    stack: Stack,
) -> None:
    await filed_addition(stack)
    links = await approval_links(stack)
    for _ in range(BUDGET):
        response = await stack.http.get("/approvals/not-a-real-token")
        assert response.status_code == 404
    assert (await stack.http.get("/activate/another-guess")).status_code == 429
    assert (await stack.http.get(links["customer"])).status_code == 200


async def test_asking_for_sign_in_links_is_slowed_and_then_sends_nothing(stack: Stack) -> None:
    derek = "derek.emonstration@energy.example.com"
    for attempt in range(BUDGET):
        email = derek if attempt == 0 else f"guess{attempt}@example.com"
        asked = await stack.http.post("/portal/sign-in", data={"email": email})
        assert asked.status_code == 200
    await stack.wait_for_mail(lambda m: m.recipients == (derek,))
    slowed = await stack.http.post("/portal/sign-in", data={"email": derek})
    assert slowed.status_code == 429 and "Too many attempts" in slowed.text
    assert 0 < int(slowed.headers["retry-after"]) <= WINDOW.total_seconds()
    await asyncio.sleep(1)
    assert [m.recipients for m in stack.mail.messages] == [(derek,)], "no link past the budget"


async def test_successes_do_not_count(stack: Stack) -> None:
    url = f"/customers/{stack.customer_id}"
    for _ in range(BUDGET * 2):
        assert (await stack.http.get(url, headers=stack.auth("Derek"))).status_code == 200
    assert (await stack.http.get(url, headers={"Authorization": "Bearer x"})).status_code == 401


async def test_a_forwarded_for_header_from_an_untrusted_peer_is_ignored(stack: Stack) -> None:
    """Rotating the header escapes nothing, and naming a victim's address harms no one."""
    url = f"/customers/{stack.customer_id}"
    for n in range(BUDGET):
        forged = {**BAD, "X-Forwarded-For": f"203.0.113.{n}"}
        assert (await stack.http.get(url, headers=forged)).status_code == 401
    rotated = {**BAD, "X-Forwarded-For": "203.0.113.99"}
    assert (await stack.http.get(url, headers=rotated)).status_code == 429
    assert set(await _clients(stack)) == {"127.0.0.1"}


async def test_every_api_process_counts_the_same_budget(stack: Stack) -> None:
    """Two API processes on one database: failures through either count for both."""
    url = f"/customers/{stack.customer_id}"
    async with serve(create_app(stack.settings)) as other:
        for n in range(BUDGET):
            http = other if n % 2 else stack.http
            assert (await http.get(url, headers=BAD)).status_code == 401
        assert (await other.get(url, headers=BAD)).status_code == 429
        assert (await stack.http.get(url, headers=BAD)).status_code == 429


class TestBehindATrustedProxy:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"failed_attempts_per_minute": BUDGET, "trusted_proxies": ("127.0.0.0/8",)}

    async def test_the_proxy_names_the_client(self, stack: Stack) -> None:
        url = f"/customers/{stack.customer_id}"
        attacker = {**BAD, "X-Forwarded-For": "203.0.113.7"}
        for _ in range(BUDGET):
            assert (await stack.http.get(url, headers=attacker)).status_code == 401
        assert (await stack.http.get(url, headers=attacker)).status_code == 429
        # Another client behind the same proxy has its own budget.
        other = {**BAD, "X-Forwarded-For": "198.51.100.4"}
        assert (await stack.http.get(url, headers=other)).status_code == 401
        assert set(await _clients(stack)) == {"203.0.113.7", "198.51.100.4"}
