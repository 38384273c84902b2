"""A contact change that touches the purchaser's side is approved by the purchaser first,
through the same emailed-link stage as a purchaser addition; the customer's own side is
changed as before."""

from typing import Any

import pytest

from tests.conftest import PUBLIC_URL, Stack
from tests.e2e.purchaser import FORM, PAULA, PERCY, PURCHASER, URSULA, assign_purchaser, decide
from tests.e2e.test_contact_change import contact_id, contacts, file
from tests.erasure import assert_erased

PLANTED: dict[str, Any] = {
    "first_name": "Mallory",
    "last_name": "Plant",
    "email": "mallory.plant@energy.example.com",
    "phone": "+44 161 496 0666",
}


def _plant(stack: Stack) -> dict[str, Any]:
    """Derek puts a contact of his choosing on the purchaser's side, with the Purchaser
    role, and changes his own phone in the same batch."""
    return {
        "changes": [
            {"op": "add", "side": "purchaser", "contact": PLANTED, "roles": ["purchaser"]},
            {
                "op": "update",
                "contact_id": contact_id(stack, "Derek"),
                "fields": {"phone": "+44 161 496 0999"},
            },
        ]
    }


async def _asked(stack: Stack, email: str) -> str:
    """The approval link emailed to ``email``."""
    asked = await stack.wait_for_mail(
        lambda m: m.recipients == (email,) and "approval is requested" in m.subject
    )
    assert "contacts" in asked.subject and PURCHASER["name"] in asked.subject
    return next(url for url in asked.links if "/approvals/" in url).removeprefix(PUBLIC_URL)


async def _filed(stack: Stack, batch: dict[str, Any]) -> dict[str, Any]:
    response = await file(stack, batch)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "awaiting_approval"
    return await stack.wait_for_request(response.json()["id"], lambda r: r["approvals"])


async def test_the_purchaser_approves_a_change_to_its_side(stack: Stack) -> None:
    await assign_purchaser(stack)
    request = await _filed(stack, _plant(stack))
    assert request["approvals"] == [{"side": "purchaser", "status": "pending"}]
    assert request["requested"]["approver"] == {"name": "Paula Payer", "email": PAULA["email"]}

    # Until the purchaser approves, the service team cannot implement it.
    early = await stack.http.post(f"/requests/{request['id']}/implement", headers=stack.auth("Sam"))
    assert early.status_code == 409
    link = await _asked(stack, PAULA["email"])
    page = await stack.http.get(link)
    assert page.status_code == 200
    assert "Add Mallory Plant (mallory.plant@energy.example.com) with purchaser" in page.text
    assert "496 0999" not in page.text, "the customer's own changes are its own"

    assert (await decide(stack, link, "approve")).status_code == 200
    await stack.wait_for_request(request["id"], lambda r: r["status"] == "in_review")
    done = await stack.http.post(f"/requests/{request['id']}/implement", headers=stack.auth("Sam"))
    assert done.status_code == 200, done.text
    after = await contacts(stack)
    assert after["Mallory"]["side"] == "purchaser" and after["Mallory"]["roles"] == ["purchaser"]
    assert after["Derek"]["phone"] == "+44 161 496 0999"
    await stack.wait_for_mail(
        lambda m: m.recipients == (PAULA["email"],) and "implemented" in m.subject
    )


async def _refused_changes_nothing_and_is_erased(stack: Stack, ending: str) -> None:
    await assign_purchaser(stack)
    request = await _filed(stack, _plant(stack))
    link = await _asked(stack, PAULA["email"])
    if ending == "rejected":
        assert (await decide(stack, link, "reject", "Not one of ours.")).status_code == 200
        told = await stack.wait_for_mail(lambda m: "rejected" in m.subject)
        assert told.recipients == ("derek.emonstration@energy.example.com",)
        assert "Not one of ours." in (told.text or "")
    closed = await stack.wait_for_request(
        request["id"], lambda r: r["status"] == ending, who="Derek"
    )
    await stack.run_ended(request["id"])
    assert "Mallory" not in await contacts(stack)
    assert (await contacts(stack))["Derek"]["phone"] == "+44 161 496 0001"
    shown = await stack.http.get(f"/requests/{closed['id']}", headers=stack.auth("Derek"))
    changes = shown.json()["requested"]["changes"]
    assert [c["op"] for c in changes] == ["add", "update"] and changes[0]["roles"] == ["purchaser"]
    await assert_erased(stack.sessions, "Mallory", "Plant", PLANTED["email"], "+44 161 496 0999")


async def test_a_change_the_purchaser_rejects_changes_nothing_and_is_erased(
    stack: Stack,
) -> None:
    await _refused_changes_nothing_and_is_erased(stack, "rejected")


class TestExpiry:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        # Paula's approval email must go out before its link expires with the request: 3 s
        # is too short when the suite runs in parallel on a loaded machine.
        return {"approval_reminder_seconds": 1, "approval_expiry_seconds": 6}

    async def test_a_change_the_purchaser_leaves_unanswered_expires_and_is_erased(
        self, stack: Stack
    ) -> None:
        await _refused_changes_nothing_and_is_erased(stack, "expired")


async def test_without_a_purchaser_contact_holding_the_role_the_form_names_the_approver(
    stack: Stack,
) -> None:
    form = {**FORM, "contacts": [{**PAULA, "roles": ["financial"]}]}
    await assign_purchaser(stack, form)
    paula = (await contacts(stack))["Paula"]["id"]
    phone = {"op": "update", "contact_id": paula, "fields": {"phone": "+44 20 7946 0999"}}
    missing = await file(stack, {"changes": [phone]})
    assert missing.status_code == 422
    assert [(p["loc"], p["type"]) for p in missing.json()["detail"]] == [
        (["body", "approver"], "approver_missing")
    ]
    own = {"name": "Derek", "email": "derek.emonstration+purchaser@energy.example.com"}
    refused = await file(stack, {"changes": [phone], "approver": own})
    assert [p["type"] for p in refused.json()["detail"]] == ["requester_approves"]

    request = await _filed(stack, {"changes": [phone], "approver": PERCY})
    link = await _asked(stack, PERCY["email"])
    assert (await decide(stack, link, "approve")).status_code == 200
    await stack.wait_for_request(request["id"], lambda r: r["status"] == "in_review")


async def test_the_customers_own_side_is_changed_as_before(stack: Stack) -> None:
    await assign_purchaser(stack)
    own = {
        "changes": [
            {
                "op": "update",
                "contact_id": contact_id(stack, "Ursula"),
                "fields": {"phone": "+44 161 496 0444"},
            }
        ]
    }
    named = await file(stack, {**own, "approver": URSULA})
    assert named.status_code == 422
    assert [p["type"] for p in named.json()["detail"]] == ["approver_not_needed"]
    filed = await file(stack, own)
    assert filed.status_code == 201 and filed.json()["status"] == "in_review"
    assert filed.json()["approvals"] == []
