"""A customer's filings may email only so many approvers who are not its contacts in a day
(``SIGNOFF_OUTSIDE_APPROVAL_EMAILS_PER_DAY``): file, name a stranger, cancel, again and again,
and the filing past the limit is refused with a clear 429, storing and sending nothing."""

from typing import Any

import pytest

from models.request import ChangeRequest
from tests.conftest import Stack
from tests.e2e.profile import count
from tests.e2e.purchaser import FORM, PERCY, URSULA, file_addition
from tests.portal.test_purchaser_addition import PAGE, posted
from tests.portal.test_tickets import csrf, signed_in

VICTIM = {"name": "Vic Tim", "email": "victim@elsewhere.example"}
TERESA = {"name": "Teresa Echie", "email": "teresa.echie@energy.example.com"}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"outside_approval_emails_per_day": 2}


async def _file_and_cancel(stack: Stack, form: dict[str, Any]) -> None:
    filed = await file_addition(stack, form)
    assert filed.status_code == 201, filed.text
    request = filed.json()
    await stack.wait_for_request(request["id"], lambda r: len(r["approvals"]) > 0)
    cancelled = await stack.http.post(
        f"/requests/{request['id']}/cancel", headers=stack.auth("Derek")
    )
    assert cancelled.status_code == 200, cancelled.text
    await stack.run_ended(request["id"])


async def test_approval_emails_to_strangers_stop_at_the_days_limit(stack: Stack) -> None:
    victimised = {**FORM, "approvers": {"customer": URSULA, "purchaser": VICTIM}}
    for _ in range(2):
        await _file_and_cancel(stack, victimised)
    asked = [
        m
        for m in stack.mail.messages
        if m.recipients == (VICTIM["email"],) and "approval is requested" in m.subject
    ]
    assert len(asked) == 2

    filings = await count(stack, ChangeRequest)
    refused = await file_addition(stack, victimised)
    assert refused.status_code == 429, refused.text
    assert 0 < int(refused.headers["retry-after"]) <= 24 * 3600
    detail = refused.json()["detail"]
    assert "people who are not this customer's contacts are limited to 2 a day" in detail
    assert "try again in 24 hours" in detail
    # Another stranger is refused alike; an Idempotency-Key's retry is not answered from a
    # kept refusal, and is refused afresh.
    other = {**FORM, "approvers": {"customer": URSULA, "purchaser": PERCY}}
    keyed = {**stack.auth("Derek"), "Idempotency-Key": "limit-1"}
    path = f"/customers/{stack.customer_id}/purchaser-addition-requests"
    for _ in range(2):
        again = await stack.http.post(path, json=other, headers=keyed)
        assert again.status_code == 429 and "idempotent-replayed" not in again.headers
    assert await count(stack, ChangeRequest) == filings
    assert [m for m in stack.mail.messages if m.recipients == (PERCY["email"],)] == []

    # Approvers who are the customer's contacts are not counted.
    among_contacts = {**FORM, "approvers": {"customer": URSULA, "purchaser": TERESA}}
    await _file_and_cancel(stack, among_contacts)

    # The portal's form says so too, above the form, with what was typed kept.
    async with signed_in(stack, "derek.emonstration@energy.example.com") as client:
        page = await client.get(PAGE)
        answer = await client.post(PAGE, data=posted(csrf(page), other))
        assert answer.status_code == 429, answer.text
        assert "people who are not this customer&#39;s contacts" in answer.text
        assert PERCY["email"] in answer.text
    assert await count(stack, ChangeRequest) == filings + 1
