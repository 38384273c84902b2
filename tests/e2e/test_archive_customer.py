"""Retiring a customer through the JSON API on the real stack: only a team admin archives
it, with a reason, and not while a request is open; then every contact, of the customer and
of its purchaser, is signed out, their tokens stop working and none of their values (nor
the approvers its requests named) stays in any table, while the customer, its purchaser
organisation, its tickets and its audit trail remain, and nothing more can be filed for it."""

import asyncio
import uuid
from typing import Any

from devstack.demo_data import CUSTOMERS
from models.customer import Customer
from tests.conftest import Stack
from tests.e2e.profile import NEW_LEGAL, customer_row, submitted
from tests.e2e.purchaser import PAULA, PERCY, PURCHASER, assign_purchaser
from tests.e2e.test_purchaser_removal import bearer
from tests.erasure import assert_erased, assert_kept, files_hold
from tests.portal.test_sign_in import ask_for_link, browser, derek, sign_in

REASON = "Derek Emonstration wrote that the contract ended on 31 March."
# Erasing Derek takes him out of the reason too.
KEPT_REASON = "[removed contact] wrote that the contract ended on 31 March."
ENERGY = CUSTOMERS[0]
# Every value each of Example Energy's contacts had, as the demo data gave them.
FORMER = [
    value
    for seed in ENERGY.contacts
    for value in (seed.first_name, seed.last_name, seed.email, seed.phone, seed.job_title)
]
# Those long enough to be found byte for byte in the database's files without matching
# other words ("Ser" is in "user").
IN_FILES = [
    value
    for seed in ENERGY.contacts
    for value in (seed.email, seed.phone, seed.job_title, "Emonstration", "Echie")
]
PAULA_VALUES = ("Paula", "Payer", PAULA["email"], PAULA["phone"])
PERCY_VALUES = ("Percy", "Percy Approver", PERCY["email"])


async def archive(stack: Stack, who: str, body: Any = None, customer_id: str | None = None) -> Any:
    return await stack.http.post(
        f"/customers/{customer_id or stack.customer_id}/archive",
        json={"reason": REASON} if body is None else body,
        headers=stack.auth(who),
    )


async def test_only_a_team_admin_archives_with_a_reason_and_no_request_open(
    stack: Stack,
) -> None:
    for who, status in (("Alice", 403), ("Derek", 404), ("Teresa", 404), ("Olive", 404)):
        refused = await archive(stack, who)
        assert refused.status_code == status, (who, refused.text)
    assert "team admin" in (await archive(stack, "Alice")).json()["detail"]
    unknown = await archive(stack, "Sam", customer_id=str(uuid.uuid4()))
    assert unknown.status_code == 404, unknown.text

    for body in ({}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 1001}, "no"):
        without = await archive(stack, "Sam", body)
        assert without.status_code == 422, (body, without.text)
    extra = await archive(stack, "Sam", {"reason": REASON, "erase": "everything"})
    assert extra.status_code == 422, extra.text

    filed = await submitted(stack, legal=NEW_LEGAL)
    while_open = await archive(stack, "Sam")
    assert while_open.status_code == 409, while_open.text
    assert "request of this customer is open" in while_open.json()["detail"]

    assert (await customer_row(stack)).archived_at is None
    still = await stack.http.get(f"/requests/{filed['id']}", headers=stack.auth("Derek"))
    assert still.status_code == 200, still.text


async def settled(stack: Stack, timeout: float = 30.0) -> None:
    """Once no workflow of the test's task queue is running but the tickets' clocks (which
    run for days): every email sent, and its audit event recorded."""
    query = (
        f"TaskQueue = '{stack.settings.task_queue}' AND ExecutionStatus = 'Running' "
        "AND WorkflowType != 'TicketClockWorkflow'"
    )
    async with asyncio.timeout(timeout):
        for _ in range(int(timeout * 10)):
            if not [run async for run in stack.temporal.list_workflows(query)]:
                return
            await asyncio.sleep(0.1)
    raise TimeoutError("workflows still running")


async def test_archived_customer_keeps_its_record_and_its_contacts_are_gone(
    stack: Stack,
) -> None:
    paula = await assign_purchaser(stack)
    teresa = stack.auth("Teresa")
    raised = await stack.http.post(
        "/tickets",
        json={
            "subject": "Invoices",
            "body": "Please call Teresa Echie on +44 161 496 0002 about the invoices.",
            "shared": False,
        },
        headers=teresa,
    )
    assert raised.status_code == 201, raised.text
    number = raised.json()["number"]
    comment = {"body": "Or write to teresa.echie@energy.example.com, Finance Manager."}
    commented = await stack.http.post(f"/tickets/{number}/comments", json=comment, headers=teresa)
    assert commented.status_code == 201, commented.text
    contact_ids = sorted(
        str(contact["id"])
        for contact in (
            await stack.http.get(f"/customers/{stack.customer_id}/contacts", headers=teresa)
        ).json()
    )
    assert len(contact_ids) == len(ENERGY.contacts) + 1
    tokens = {who: stack.auth(who) for who in ("Derek", "Teresa", "Timothy", "Ursula")}
    tokens["Paula"] = bearer(paula)
    sam = stack.auth("Sam")
    # The addition's last emails and the ticket's news are each recorded as they go out.
    await settled(stack)
    before = await stack.http.get(f"/customers/{stack.customer_id}/audit", headers=sam)

    async with browser(stack) as portal:
        await sign_in(stack, portal, derek(stack)["email"])
        assert (await portal.get("/portal/profile")).status_code == 200

        archived = await archive(stack, "Sam")
        assert archived.status_code == 200, archived.text
        body = archived.json()
        assert body["archived_at"] is not None and body["archive_reason"] == KEPT_REASON
        assert body["legal"]["name"] == ENERGY.name
        assert body["purchaser"]["name"] == PURCHASER["name"]
        assert body["open_requests"] == []

        # Signed out: the portal's session ended with the account.
        ended = await portal.get("/portal/profile")
        assert ended.status_code == 303
        assert ended.headers["location"].startswith("/portal/sign-in")

    for who, headers in tokens.items():
        answer = await stack.http.get(f"/customers/{stack.customer_id}", headers=headers)
        assert answer.status_code == 401, (who, answer.text)

    # No account answers to their emails any more: no sign-in link is sent.
    stack.mail.clear()
    async with browser(stack) as portal:
        asked = await ask_for_link(portal, derek(stack)["email"])
        assert asked.status_code == 200
    await asyncio.sleep(0.5)
    assert not [m for m in stack.mail.messages if derek(stack)["email"] in m.recipients]

    erased = (*FORMER, *PAULA_VALUES, *PERCY_VALUES)
    await assert_erased(stack.sessions, *erased)
    in_files = (*IN_FILES, PAULA["email"], PAULA["phone"], PERCY["email"])
    assert files_hold(stack.settings.database_url, *in_files) == []
    await assert_kept(
        stack.sessions,
        ENERGY.name,
        ENERGY.address.street,
        PURCHASER["name"],
        PURCHASER["address"]["street"],
        KEPT_REASON,
        "olive.ther@northwind.example.com",
    )

    ticket = (await stack.http.get(f"/tickets/{number}", headers=sam)).json()
    assert ticket["subject"] == "Invoices" and "about the invoices" in ticket["body"]
    assert len(ticket["comments"]) >= 1
    # Its tickets take no more replies.
    assert ticket["status"] == "closed"
    late = await stack.http.post(f"/tickets/{number}/comments", json={"body": "Hi"}, headers=sam)
    assert late.status_code == 409

    trail = (await stack.http.get(f"/customers/{stack.customer_id}/audit", headers=sam)).json()
    assert trail[: len(before.json())] == before.json()
    assert {event["action"] for event in trail[len(before.json()) :]} >= {"ticket_closed"}
    last = trail[-1]
    assert last["action"] == "customer_archived"
    assert last["actor"] == f"staff:{stack.demo['staff'][0]['id']}"
    assert last["request_id"] is None
    assert sorted(last["detail"]["contacts"]) == contact_ids
    assert all("31 March" not in str(event["detail"]) for event in trail)

    listed = (await stack.http.get("/customers", headers=sam)).json()
    energy = next(item for item in listed if item["id"] == stack.customer_id)
    assert energy["archived_at"] is not None and energy["contacts"] == 0
    other = next(item for item in listed if item["id"] == stack.other_customer_id)
    assert other["archived_at"] is None and other["contacts"] == 1

    again = await archive(stack, "Sam")
    assert again.status_code == 409 and "archived" in again.json()["detail"]

    row: Customer = await customer_row(stack)
    assert row.archived_at is not None and row.archive_reason == KEPT_REASON


async def test_nothing_is_filed_for_an_archived_customer(stack: Stack) -> None:
    assert (await archive(stack, "Sam")).status_code == 200
    path = f"/customers/{stack.customer_id}/profile-change-requests"
    why = "The customer asked by phone."
    valid = {"legal": NEW_LEGAL, "payment": None, "on_behalf_reason": why}
    filed = await stack.http.post(path, json=valid, headers=stack.auth("Sam"))
    assert filed.status_code == 409, filed.text
    assert filed.json()["detail"] == "this customer is archived"
    # A form its schema refuses is answered the same, before any of its problems.
    broken = {"legal": {**NEW_LEGAL, "name": ""}, "payment": None, "on_behalf_reason": why}
    refused = await stack.http.post(path, json=broken, headers=stack.auth("Sam"))
    assert refused.status_code == 409, refused.text
    requests = (await stack.http.get("/requests", headers=stack.auth("Sam"))).json()
    assert [r for r in requests if r["customer_id"] == stack.customer_id] == []
    # The other customer is untouched: its contact still files.
    olive = await submitted(stack, who="Olive", customer_id=stack.other_customer_id)
    assert olive["status"] in ("in_review", "awaiting_approval")
