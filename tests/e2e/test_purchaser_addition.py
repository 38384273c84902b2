"""Purchaser addition through the API and the approvers' links, on the real stack."""

import asyncio
import signal
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import col, select
from temporalio.service import RPCError, RPCStatusCode

from devstack.outbox import CapturedMessage
from models.email_log import EmailLog
from models.enums import RequestStatus
from models.payloads import RequestState
from tests.conftest import Stack, worker_process
from tests.e2e.profile import request_rows
from tests.e2e.purchaser import (
    FORM,
    PAULA,
    PERCY,
    PURCHASER,
    PURCHASER_TRACES,
    URSULA,
    approval_links,
    decide,
    file_addition,
    filed_addition,
)
from tests.e2e.test_contact_change import contacts
from tests.erasure import assert_erased
from tests.history_text import readable
from workflows.request import RequestWorkflow


def told_implemented(address: str) -> Callable[[CapturedMessage], bool]:
    return lambda message: "implemented" in message.subject and message.recipients == (address,)


async def workflow_state(stack: Stack) -> RequestState:
    handle = stack.temporal.get_workflow_handle(f"purchaser-addition-{stack.customer_id}")
    return await handle.query(RequestWorkflow.status)


async def workflow_state_once_answered(stack: Stack, patience: float = 60.0) -> RequestState:
    """The state, once a worker answers: just after a restart the server may give up on a
    query (cancelled, or past its deadline) while no live worker has taken the workflow."""
    async with asyncio.timeout(patience):
        while True:
            try:
                return await workflow_state(stack)
            except RPCError as error:
                if error.status not in (RPCStatusCode.CANCELLED, RPCStatusCode.DEADLINE_EXCEEDED):
                    raise
            await asyncio.sleep(0.5)


async def test_approve_approve_implement(stack: Stack) -> None:
    request = await filed_addition(stack)
    assert request["status"] == "awaiting_approval"
    assert request["approvals"] == [
        {"side": "customer", "status": "pending"},
        {"side": "purchaser", "status": "pending"},
    ]
    assert request["requested"]["roles_moving"] == [
        {"contact_id": c["id"], "roles": ["financial"]}
        for c in stack.demo["customers"][0]["contacts"]
        if "financial" in c["roles"]
    ]
    links = await approval_links(stack)
    assert links["customer"] != links["purchaser"]

    # Opening the page (GET, HEAD, twice) decides nothing; a question lands on the ticket.
    for method in ("GET", "HEAD", "GET"):
        shown = await stack.http.request(method, links["customer"])
        assert shown.status_code == 200
        assert shown.headers["cache-control"] == "no-store"
        assert shown.headers["x-frame-options"] == "DENY"
    assert PURCHASER["name"] in shown.text and "Paula Payer" in shown.text
    asked = await stack.http.post(
        f"{links['customer']}/comments",
        data={"comment": "Who signs the contract?"},
        follow_redirects=True,
    )
    assert asked.status_code == 200 and "sent to the service team" in asked.text
    assert asked.url.path == links["customer"], "back on the approval page (POST, redirect, GET)"
    ticket = (
        await stack.http.get(f"/tickets/{request['ticket_number']}", headers=stack.auth("Sam"))
    ).json()
    assert [(c["kind"], c["body"]) for c in ticket["comments"]] == [
        ("approver_question", "Who signs the contract?")
    ]
    state = await workflow_state(stack)
    assert state.status is RequestStatus.AWAITING_APPROVAL
    assert [(a.side.value, a.status.value) for a in state.approvals] == [
        ("customer", "pending"),
        ("purchaser", "pending"),
    ]
    early = await stack.http.post(f"/requests/{request['id']}/implement", headers=stack.auth("Sam"))
    assert early.status_code == 409, "the service team cannot implement before both approvals"

    approved = await decide(stack, links["customer"], "approve")
    assert approved.status_code == 200 and "you approved" in approved.text
    assert "purchaser's approver" in (await workflow_state(stack)).waiting_for
    assert (await stack.http.get(links["customer"])).status_code == 410
    again = await decide(stack, links["customer"], "reject", "changed my mind")
    assert again.status_code == 410, "a decision is final"

    assert (await decide(stack, links["purchaser"], "approve")).status_code == 200
    told = await stack.wait_for_mail(lambda m: "was approved" in m.subject)
    assert told.recipients == ("derek.emonstration@energy.example.com",)
    in_review = await stack.wait_for_request(request["id"], lambda r: r["status"] == "in_review")
    assert [a["status"] for a in in_review["approvals"]] == ["approved", "approved"]

    implemented = await stack.http.post(
        f"/requests/{request['id']}/implement", headers=stack.auth("Sam")
    )
    assert implemented.status_code == 200, implemented.text
    customer = (
        await stack.http.get(f"/customers/{stack.customer_id}", headers=stack.auth("Derek"))
    ).json()
    assert customer["purchaser"]["name"] == PURCHASER["name"]
    assert customer["purchaser"]["responsibility"] == "financial"
    now = await contacts(stack)
    assert now["Paula"]["side"] == "purchaser" and now["Paula"]["roles"] == [
        "financial",
        "purchaser",
    ]
    assert now["Teresa"]["roles"] == [] and now["Ursula"]["roles"] == ["agreement"]
    welcome = await stack.wait_for_mail(lambda m: "Welcome" in m.subject)
    assert welcome.recipients == (PAULA["email"],)
    await stack.wait_for_mail(lambda m: "implemented" in m.subject)

    history = readable(
        await stack.temporal.get_workflow_handle(
            f"purchaser-addition-{stack.customer_id}"
        ).fetch_history()
    )
    assert [trace for trace in (*PURCHASER_TRACES, "Ursula", "Who signs") if trace in history] == []


async def test_a_rejection_closes_the_request_and_erases_its_data(stack: Stack) -> None:
    request = await filed_addition(stack)
    links = await approval_links(stack)
    await stack.http.post(
        f"{links['purchaser']}/comments", data={"comment": "Percy Approver here, checking terms."}
    )
    assert (await decide(stack, links["customer"], "approve")).status_code == 200
    rejected = await decide(stack, links["purchaser"], "reject", "We have not agreed terms yet.")
    assert rejected.status_code == 200 and "You rejected" in rejected.text

    to_requester = await stack.wait_for_mail(
        lambda m: (
            "rejected" in m.subject and m.recipients == ("derek.emonstration@energy.example.com",)
        )
    )
    to_other = await stack.wait_for_mail(
        lambda m: "rejected" in m.subject and m.recipients == (URSULA["email"],)
    )
    for told in (to_requester, to_other):
        assert "We have not agreed terms yet." in (told.text or "")
    closed = await stack.wait_for_request(request["id"], lambda r: r["status"] == "rejected")
    assert closed["requested"] is None
    assert [a["status"] for a in closed["approvals"]] == ["approved", "rejected"]

    await assert_erased(stack.sessions, *PURCHASER_TRACES)
    async with stack.sessions() as session:
        addresses = (
            await session.exec(
                select(EmailLog.to_address).where(
                    col(EmailLog.request_id) == uuid.UUID(request["id"])
                )
            )
        ).all()
    assert URSULA["email"] not in addresses and PERCY["email"] not in addresses
    assert "derek.emonstration@energy.example.com" in addresses, "the requester is still a contact"
    assert (await stack.http.get(links["customer"])).status_code == 410
    customer = (
        await stack.http.get(f"/customers/{stack.customer_id}", headers=stack.auth("Derek"))
    ).json()
    assert customer["purchaser"] is None and customer["open_requests"] == []


async def test_forged_and_altered_links_are_refused(stack: Stack) -> None:
    await filed_addition(stack)
    links = await approval_links(stack)
    real = links["customer"]
    for forged in (
        real[:-2] + ("xy" if not real.endswith("xy") else "zz"),
        "/approvals/forged",
        real + "A",
    ):
        page = await stack.http.get(forged)
        assert page.status_code == 404 and "not valid" in page.text
        assert (await decide(stack, forged, "approve")).status_code == 404
    state = await workflow_state(stack)
    assert [a.status.value for a in state.approvals] == ["pending", "pending"]


async def test_separation_of_duties_and_one_addition_at_a_time(stack: Stack) -> None:
    # An address is the person's whatever its case, and whatever +tag it carries.
    for alias in (
        "Derek.Emonstration@energy.example.com",
        "derek.emonstration+approve@energy.example.com",
        "DEREK.EMONSTRATION+Boss@Energy.Example.COM",
    ):
        derek = {"name": "Derek Emonstration", "email": alias}
        for approvers in (
            {"customer": derek, "purchaser": PERCY},
            {"customer": URSULA, "purchaser": derek},
        ):
            own = await file_addition(stack, {**FORM, "approvers": approvers})
            assert own.status_code == 422, alias
            assert [p["type"] for p in own.json()["detail"]] == ["requester_approves"]
    percy_again = {**PERCY, "email": "percy.approver+customer@partners.example.com"}
    for customer in (PERCY, percy_again):
        same = await file_addition(
            stack, {**FORM, "approvers": {"customer": customer, "purchaser": PERCY}}
        )
        assert same.status_code == 422
        assert [(p["loc"], p["type"]) for p in same.json()["detail"]] == [
            (["body", "approvers", "purchaser", "email"], "same_approver")
        ]
    wrong_roles = {**FORM, "contacts": [{**PAULA, "roles": ["agreement"]}]}
    bad = await file_addition(stack, wrong_roles)
    assert {p["type"] for p in bad.json()["detail"]} == {
        "role_exclusivity",
        "responsibility_unheld",
    }
    assert (await file_addition(stack, who="Teresa")).status_code == 403
    assert await request_rows(stack) == 0

    await filed_addition(stack)
    assert (await file_addition(stack)).status_code == 409


async def test_no_addition_while_a_purchaser_is_assigned(stack: Stack) -> None:
    request = await filed_addition(stack)
    links = await approval_links(stack)
    for side in ("customer", "purchaser"):
        assert (await decide(stack, links[side], "approve")).status_code == 200
    await stack.wait_for_request(request["id"], lambda r: r["status"] == "in_review")
    assert (
        await stack.http.post(f"/requests/{request['id']}/implement", headers=stack.auth("Sam"))
    ).status_code == 200
    again = await file_addition(
        stack, {**FORM, "contacts": [{**PAULA, "email": "other@partners.example.com"}]}
    )
    assert again.status_code == 409 and "already assigned" in again.json()["detail"]


async def test_requester_may_cancel_while_awaiting_approval(stack: Stack) -> None:
    request = await filed_addition(stack)
    links = await approval_links(stack)
    cancelled = await stack.http.post(
        f"/requests/{request['id']}/cancel", headers=stack.auth("Derek")
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert (await decide(stack, links["customer"], "approve")).status_code == 410


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {}


class TestReminderAndExpiry:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        # The links expire with the request: the approval emails, and Ursula's approval, must
        # come within it, and a reminder after them. 4 s was too short on a loaded machine
        # (the suite runs in parallel): the emails went out once their links had expired.
        return {"approval_reminder_seconds": 1, "approval_expiry_seconds": 8}

    async def test_pending_approvers_are_reminded_then_the_request_expires(
        self, stack: Stack
    ) -> None:
        request = await filed_addition(stack)
        links = await approval_links(stack)
        assert (await decide(stack, links["customer"], "approve")).status_code == 200
        # A reminder may have gone to both before Ursula approved; from then on only Percy's.
        approved = max(m.id for m in stack.mail.messages)
        reminder = await stack.wait_for_mail(lambda m: "Reminder" in m.subject and m.id > approved)
        assert reminder.recipients == (PERCY["email"],), "only the approver still pending"
        assert any("/approvals/" in url for url in reminder.links)
        expired = await stack.wait_for_mail(lambda m: "expired" in m.subject, timeout=20)
        assert expired.recipients == ("derek.emonstration@energy.example.com",)
        closed = await stack.wait_for_request(request["id"], lambda r: r["status"] == "expired")
        assert closed["requested"] is None
        assert not any(
            "Reminder" in m.subject and m.recipients == (URSULA["email"],) and m.id > approved
            for m in stack.mail.messages
        )
        assert (await stack.http.get(links["purchaser"])).status_code == 410
        await assert_erased(stack.sessions, *PURCHASER_TRACES)


class TestWorkerCrash:
    @pytest.fixture
    def in_process_worker(self) -> bool:
        return False

    async def test_a_killed_worker_loses_nothing_while_approvals_wait(self, stack: Stack) -> None:
        worker = worker_process(stack.settings)
        try:
            request = await filed_addition(stack)
            links = await approval_links(stack)
            assert (await decide(stack, links["customer"], "approve")).status_code == 200
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait()
        assert worker.returncode == -signal.SIGKILL

        restarted = worker_process(stack.settings)
        try:
            # Decided at once: the workflow's task leaves the dead worker's sticky queue
            # within seconds, so the decision is answered, not told that no worker answers.
            decided = await decide(stack, links["purchaser"], "approve")
            assert decided.status_code == 200, decided.text
            # The state survived: the customer's approval was kept.
            state = await workflow_state_once_answered(stack)
            assert [(a.side.value, a.status.value) for a in state.approvals] == [
                ("customer", "approved"),
                ("purchaser", "approved"),
            ]
            in_review = await stack.wait_for_request(
                request["id"], lambda r: r["status"] == "in_review"
            )
            assert [a["status"] for a in in_review["approvals"]] == ["approved", "approved"]
            done = await stack.http.post(
                f"/requests/{request['id']}/implement", headers=stack.auth("Sam")
            )
            assert done.status_code == 200, done.text
            await stack.wait_for_mail(lambda m: "Welcome" in m.subject)
            for approver in (URSULA, PERCY):
                await stack.wait_for_mail(told_implemented(approver["email"]))
        finally:
            restarted.send_signal(signal.SIGTERM)
            restarted.wait(timeout=30)
        # Requester: received, approved, implemented; the service team: filed; each approver:
        # asked, then told it was implemented; the new contact: welcome; the two customer
        # contacts whose financial role moved: told so.
        sent = [(m.subject, m.recipients) for m in stack.mail.messages]
        assert len(sent) == len(set(sent)) == 11, f"each email exactly once: {sent}"


async def test_concurrent_decisions_on_one_link_decide_once(stack: Stack) -> None:
    """Ten clicks at once on one link: one decides; the others are told it is decided (or
    the request closed), never a server error, and only the winner's comment stays."""
    request = await filed_addition(stack)
    links = await approval_links(stack)
    answers = await asyncio.gather(
        *(
            decide(stack, links["customer"], "reject" if n % 2 else "approve", f"click {n}")
            for n in range(10)
        )
    )
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses.count(200) == 1, [(a.status_code, a.text[:80]) for a in answers]
    assert set(statuses) <= {200, 409, 410}, statuses
    winner = next(n for n, answer in enumerate(answers) if answer.status_code == 200)
    ticket = await stack.http.get(f"/tickets/{request['ticket_number']}", headers=stack.auth("Sam"))
    assert [c["body"] for c in ticket.json()["comments"]] == [f"click {winner}"]
    decided = "reject" if winner % 2 else "approve"
    expected = {"approve": "awaiting_approval", "reject": "rejected"}[decided]
    await stack.wait_for_request(request["id"], lambda r: r["status"] == expected)
