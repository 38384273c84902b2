"""Shared steps of the purchaser tests."""

import re
from typing import Any

from devstack.outbox import CapturedMessage
from tests.conftest import PUBLIC_URL, Stack

PAULA: dict[str, Any] = {
    "first_name": "Paula",
    "last_name": "Payer",
    "email": "paula.payer@partners.example.com",
    "phone": "+44 20 7946 0001",
    "roles": ["financial", "purchaser"],
}
PERCY: dict[str, Any] = {"name": "Percy Approver", "email": "percy.approver@partners.example.com"}
URSULA: dict[str, Any] = {"name": "Ursula Ser", "email": "ursula.ser@energy.example.com"}
PURCHASER: dict[str, Any] = {
    "name": "Purchase Partners Ltd",
    "address": {
        "street": "9 Ledger Lane",
        "city": "London",
        "postal_code": "EC1A 1BB",
        "country": "GB",
    },
}
FORM: dict[str, Any] = {
    "purchaser": PURCHASER,
    "responsibility": "financial",
    "contacts": [PAULA],
    "approvers": {"customer": URSULA, "purchaser": PERCY},
}
PURCHASER_TRACES: tuple[str, ...] = (
    "Paula",
    "Payer",
    PAULA["email"],
    PAULA["phone"],
    "Percy",
    PERCY["email"],
    PURCHASER["name"],
    "Ledger Lane",
)


async def file_addition(
    stack: Stack, form: dict[str, Any] | None = None, who: str = "Derek"
) -> Any:
    return await stack.http.post(
        f"/customers/{stack.customer_id}/purchaser-addition-requests",
        json=form or FORM,
        headers=stack.auth(who),
    )


async def filed_addition(stack: Stack, form: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await file_addition(stack, form)
    assert response.status_code == 201, response.text
    return await stack.wait_for_request(
        response.json()["id"], lambda r: r["ticket_number"] is not None and len(r["approvals"]) > 0
    )


def approval_path(message: CapturedMessage) -> str:
    url = next(url for url in message.links if "/approvals/" in url)
    return url.removeprefix(PUBLIC_URL)


async def approval_links(stack: Stack) -> dict[str, str]:
    """Each approver's link, by side, from the approval emails."""
    ursula = await stack.wait_for_mail(
        lambda m: m.recipients == (URSULA["email"],) and "approval" in m.subject
    )
    percy = await stack.wait_for_mail(
        lambda m: m.recipients == (PERCY["email"],) and "approval" in m.subject
    )
    return {"customer": approval_path(ursula), "purchaser": approval_path(percy)}


async def decide(stack: Stack, path: str, decision: str, comment: str = "") -> Any:
    return await stack.http.post(path, data={"decision": decision, "comment": comment})


def token_of(path: str) -> str:
    match = re.search(r"/approvals/([^/?]+)", path)
    assert match
    return match.group(1)


async def implemented_addition(stack: Stack, form: dict[str, Any] | None = None) -> dict[str, Any]:
    """A purchaser addition filed, approved by both approvers and implemented."""
    request = await filed_addition(stack, form)
    links = await approval_links(stack)
    for side in ("customer", "purchaser"):
        assert (await decide(stack, links[side], "approve")).status_code == 200
    await stack.wait_for_request(request["id"], lambda r: r["status"] == "in_review")
    implemented = await stack.http.post(
        f"/requests/{request['id']}/implement", headers=stack.auth("Sam")
    )
    assert implemented.status_code == 200, implemented.text
    return request


async def assign_purchaser(stack: Stack, form: dict[str, Any] | None = None) -> str:
    """Add Purchase Partners with Paula through the whole process; return Paula's API token."""
    await implemented_addition(stack, form)
    welcome = await stack.wait_for_mail(lambda m: "Welcome" in m.subject)
    activate = next(url for url in welcome.links if "/activate/" in url).removeprefix(PUBLIC_URL)
    activated = await stack.http.post(activate, headers={"Accept": "application/json"})
    assert activated.status_code == 200, activated.text
    stack.mail.clear()
    return str(activated.json()["token"])
