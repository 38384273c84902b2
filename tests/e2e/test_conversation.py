"""Every side of a request hears the others, on the real stack: the service team of filings,
tickets, comments and approvers' questions; approvers of the service team's replies and of a
request closing; requesters and raisers of the service team's replies."""

import asyncio
import html
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from sqlmodel import col, select

from devstack.outbox import CapturedMessage
from models.email_log import EmailLog
from models.enums import EmailEvent
from tests.conftest import PUBLIC_URL, Stack
from tests.e2e.profile import submitted
from tests.e2e.purchaser import (
    PAULA,
    PERCY,
    URSULA,
    approval_links,
    approval_path,
    assign_purchaser,
    decide,
    filed_addition,
    implemented_addition,
)
from tests.e2e.test_purchaser_removal import bearer, give_financial_to_teresa, raise_ticket, removal
from tests.history_text import readable

SERVICE_TEAM = "service-team@localhost"
DEREK = "derek.emonstration@energy.example.com"
TERESA = "teresa.echie@energy.example.com"
OLIVE = "olive.ther@northwind.example.com"


def to(address: str, *words: str) -> Callable[[CapturedMessage], bool]:
    """A message to ``address`` whose text holds every one of ``words``."""
    return lambda m: m.recipients == (address,) and all(w in (m.text or "") for w in words)


def titled(address: str, word: str) -> Callable[[CapturedMessage], bool]:
    """A message to ``address`` with ``word`` in its subject."""
    return lambda m: m.recipients == (address,) and word in m.subject


async def logged(stack: Stack, event: EmailEvent) -> list[EmailLog]:
    async with stack.sessions() as session:
        rows = await session.exec(
            select(EmailLog).where(EmailLog.event == event).order_by(col(EmailLog.id))
        )
        return list(rows)


async def settled(stack: Stack) -> None:
    """Long enough for an email that should not come to have come."""
    await asyncio.sleep(1.5)


async def comment(stack: Stack, number: str, who: str, body: str, **extra: Any) -> Any:
    return await stack.http.post(
        f"/tickets/{number}/comments", json={"body": body, **extra}, headers=stack.auth(who)
    )


def nobody_else(stack: Stack, *addresses: str) -> None:
    """No one but ``addresses`` was emailed (another customer's people above all)."""
    sent = {address for message in stack.mail.messages for address in message.recipients}
    assert sent <= set(addresses), sent - set(addresses)


async def test_the_service_team_hears_of_a_filing_and_of_the_requesters_comment(
    stack: Stack,
) -> None:
    request = await submitted(stack)
    number = request["ticket_number"]
    filed = await stack.wait_for_mail(to(SERVICE_TEAM, number, "Example Energy plc"))
    assert f"{PUBLIC_URL}/portal/requests/{request['id']}" in filed.links
    assert number in filed.subject

    said = await comment(stack, number, "Derek", "The new address applies from Monday.")
    assert said.status_code == 201, said.text
    assert said.json()["capacity"] == "requester"
    heard = await stack.wait_for_mail(to(SERVICE_TEAM, "The new address applies from Monday."))
    assert "Derek Emonstration" in (heard.text or "") and "requester" in (heard.text or "")
    assert number in heard.subject

    # Teresa, a contact who did not file it, comments in her own capacity.
    teresa = await comment(stack, number, "Teresa", "Finance agrees.")
    assert teresa.json()["capacity"] == "contact"
    await stack.wait_for_mail(to(SERVICE_TEAM, "Finance agrees.", "contact"))

    reply = await comment(stack, number, "Sam", "Thank you, noted.")
    assert reply.json()["capacity"] == "service_team"
    await stack.wait_for_mail(to(DEREK, "Thank you, noted."))
    await settled(stack)
    assert len(await logged(stack, EmailEvent.REQUEST_FILED)) == 1
    assert len(await logged(stack, EmailEvent.COMMENT_TO_SERVICE_TEAM)) == 2
    assert len(await logged(stack, EmailEvent.TICKET_COMMENT)) == 1
    nobody_else(stack, SERVICE_TEAM, DEREK)

    ticket = (await stack.http.get(f"/tickets/{number}", headers=stack.auth("Derek"))).json()
    assert [(c["capacity"], c["body"]) for c in ticket["comments"]] == [
        ("requester", "The new address applies from Monday."),
        ("contact", "Finance agrees."),
        ("service_team", "Thank you, noted."),
    ]


async def test_a_stand_alone_ticket_reaches_the_service_team_and_its_replies_the_raiser(
    stack: Stack,
) -> None:
    raised = await stack.http.post(
        "/tickets",
        json={"subject": "Invoice copy", "body": "Please resend invoice 42."},
        headers=stack.auth("Derek"),
    )
    assert raised.status_code == 201, raised.text
    number = raised.json()["number"]
    told = await stack.wait_for_mail(to(SERVICE_TEAM, number, "Invoice copy"))
    assert f"{PUBLIC_URL}/portal/tickets/{number}" in told.links
    assert "Please resend invoice 42." in (told.text or ""), "what the ticket says"
    assert "Request:" not in (told.text or "") and 'href=""' not in (told.html or "")

    await comment(stack, number, "Teresa", "It is for the March accounts.")
    await stack.wait_for_mail(to(SERVICE_TEAM, "It is for the March accounts."))
    answered = await comment(stack, number, "Sam", "Sent again this morning.")
    assert answered.status_code == 201, answered.text
    reply = await stack.wait_for_mail(to(DEREK, "Sent again this morning."))
    assert number in reply.subject and f"{PUBLIC_URL}/portal/tickets/{number}" in reply.links

    # A retried POST with its Idempotency-Key tells nobody twice.
    again = {"Idempotency-Key": "resend-1", **stack.auth("Sam")}
    for _ in range(2):
        sent = await stack.http.post(
            f"/tickets/{number}/comments", json={"body": "Anything else?"}, headers=again
        )
        assert sent.status_code == 201
    await stack.wait_for_mail(to(DEREK, "Anything else?"))
    await settled(stack)
    assert len(await logged(stack, EmailEvent.TICKET_RAISED)) == 1
    assert len(await logged(stack, EmailEvent.TICKET_REPLY)) == 2
    nobody_else(stack, SERVICE_TEAM, DEREK)

    # What the news workflows carried: ids, events, audiences; never who or what was said.
    news = f"ticket-notice-{stack.customer_id}/{number}"
    ticket = (await stack.http.get(f"/tickets/{number}", headers=stack.auth("Sam"))).json()
    stamp = "%Y%m%dT%H%M%S%f"
    news_ids = [f"{news}/raised-{datetime.fromisoformat(ticket['created_at']):{stamp}}"] + [
        f"{news}/comment-{c['id']}-{datetime.fromisoformat(c['created_at']):{stamp}}"
        for c in ticket["comments"]
    ]
    for workflow_id in news_ids:
        history = readable(await stack.temporal.get_workflow_handle(workflow_id).fetch_history())
        assert "send_email" in history
        for secret in ("Invoice", "invoice 42", "March", "Sent again", "Derek", "Teresa", DEREK):
            assert secret not in history, (workflow_id, secret)


async def test_an_approver_asks_and_hears_the_answer_the_other_approver_sees_none_of_it(
    stack: Stack,
) -> None:
    request = await filed_addition(stack)
    number = request["ticket_number"]
    links = await approval_links(stack)
    page = await stack.http.get(links["customer"])
    assert "Teresa Echie: financial" in page.text, "the roles that move off whose contacts"
    assert "Ursula Ser: financial" in page.text

    asked = await stack.http.post(
        f"{links['purchaser']}/comments", data={"comment": "Who signs for the purchaser?"}
    )
    assert asked.status_code == 303
    heard = await stack.wait_for_mail(to(SERVICE_TEAM, "Who signs for the purchaser?"))
    assert "purchaser's approver" in (heard.text or "") and number in heard.subject
    assert f"{PUBLIC_URL}/portal/requests/{request['id']}" in heard.links

    refused = await comment(stack, number, "Derek", "I answer", to_approver="purchaser")
    assert refused.status_code == 403, "only the service team answers approvers"
    answer = await comment(
        stack, number, "Sam", "Percy signs; the contract follows.", to_approver="purchaser"
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["to_approver"] == "purchaser"
    told = await stack.wait_for_mail(to(PERCY["email"], "Percy signs; the contract follows."))
    assert any("/approvals/" in link for link in told.links), "back to their page"

    percy = await stack.http.get(links["purchaser"])
    assert "Who signs for the purchaser?" in percy.text
    assert "Percy signs; the contract follows." in percy.text
    ursula = await stack.http.get(links["customer"])
    assert "Who signs for the purchaser?" not in ursula.text
    assert "Percy signs" not in ursula.text
    await settled(stack)
    assert [m for m in stack.mail.messages if m.recipients == (URSULA["email"],)][1:] == []
    assert not [m for m in stack.mail.messages if "Percy signs" in (m.text or "")][1:]
    nobody_else(stack, SERVICE_TEAM, DEREK, URSULA["email"], PERCY["email"])

    ticket = (await stack.http.get(f"/tickets/{number}", headers=stack.auth("Sam"))).json()
    assert [(c["capacity"], c["to_approver"]) for c in ticket["comments"]] == [
        ("approver_question", None),
        ("service_team", "purchaser"),
    ]


async def test_a_reply_to_an_approver_the_request_never_asked_is_refused(stack: Stack) -> None:
    request = await submitted(stack)
    refused = await comment(stack, request["ticket_number"], "Sam", "Hello", to_approver="customer")
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"][0]["loc"] == ["body", "to_approver"]


async def test_a_rejection_names_the_side_that_rejected_and_the_other_link_says_so(
    stack: Stack,
) -> None:
    request = await filed_addition(stack)
    links = await approval_links(stack)
    rejected = await decide(stack, links["purchaser"], "reject", "Terms not agreed.")
    assert rejected.status_code == 200
    await stack.run_ended(request["id"])

    derek = await stack.wait_for_mail(to(DEREK, "Terms not agreed."))
    assert "approver for the purchaser rejected" in " ".join((derek.text or "").split())
    assert "for the  rejected" not in (derek.text or "")
    ursula = await stack.wait_for_mail(titled(URSULA["email"], "rejected"))
    assert "approver for the purchaser rejected" in " ".join((ursula.text or "").split())

    theirs = await stack.http.get(links["customer"])
    assert theirs.status_code == 410
    shown = html.unescape(theirs.text)
    assert "was rejected" in shown and "purchaser's approver rejected it" in shown
    assert "Your decision has been recorded" not in theirs.text
    mine = await stack.http.get(links["purchaser"])
    assert mine.status_code == 410 and "Your decision has been recorded" in mine.text
    # The approvers' details went with the request: a reply could reach no one.
    gone = await comment(
        stack, request["ticket_number"], "Sam", "Sorry to hear.", to_approver="customer"
    )
    assert gone.status_code == 409 and "can no longer be reached" in gone.text


async def test_approvers_are_told_when_the_requester_cancels(stack: Stack) -> None:
    request = await filed_addition(stack)
    links = await approval_links(stack)
    cancelled = await stack.http.post(
        f"/requests/{request['id']}/cancel", headers=stack.auth("Derek")
    )
    assert cancelled.status_code == 200, cancelled.text
    for approver in (URSULA, PERCY):
        told = await stack.wait_for_mail(titled(approver["email"], "cancelled"))
        assert "nothing left for you to decide" in " ".join((told.text or "").split())
        assert "file a new request" not in (told.text or "")
    for path in links.values():
        page = await stack.http.get(path)
        assert page.status_code == 410 and "was cancelled" in page.text


async def test_approvers_are_told_when_the_service_team_declines_and_contacts_of_moved_roles(
    stack: Stack,
) -> None:
    request = await filed_addition(stack)
    links = await approval_links(stack)
    for side in ("customer", "purchaser"):
        assert (await decide(stack, links[side], "approve")).status_code == 200
    approved = await stack.wait_for_mail(to(DEREK, "Both approvers"))
    assert approved.recipients == (DEREK,)
    await stack.wait_for_request(request["id"], lambda r: r["status"] == "in_review")
    declined = await stack.http.post(
        f"/requests/{request['id']}/decline",
        json={"reason": "The purchaser is not yet registered."},
        headers=stack.auth("Sam"),
    )
    assert declined.status_code == 200, declined.text
    for approver in (URSULA, PERCY):
        told = await stack.wait_for_mail(titled(approver["email"], "declined"))
        assert "not yet registered" not in (told.text or ""), "the reason is the requester's"
    page = await stack.http.get(links["customer"])
    assert page.status_code == 410 and "You approved this request" in page.text
    assert "declined" in page.text


async def test_contacts_whose_roles_move_to_the_purchaser_are_told(stack: Stack) -> None:
    responsibility = "financial"
    request = await implemented_addition(stack)
    teresa = await stack.wait_for_mail(to(TERESA, responsibility, "Purchase Partners Ltd"))
    assert request["ticket_number"] in teresa.subject
    await stack.wait_for_mail(to(URSULA["email"], responsibility, "Purchase Partners Ltd"))
    await stack.run_ended(request["id"])
    moved = await logged(stack, EmailEvent.ROLES_MOVED)
    assert sorted(row.to_address or "" for row in moved) == sorted([TERESA, URSULA["email"]])
    assert not [m for m in stack.mail.messages if OLIVE in m.recipients]


async def test_a_removal_asks_one_approver_and_says_so(stack: Stack) -> None:
    await assign_purchaser(stack)
    filed = await removal(stack, give_financial_to_teresa(stack))
    assert filed.status_code == 201, filed.text
    asked = await stack.wait_for_mail(titled(URSULA["email"], "approval"))
    done = await decide(stack, approval_path(asked), "approve")
    assert done.status_code == 200
    assert "both approvers" not in done.text.lower()
    approved = await stack.wait_for_mail(to(DEREK, "approved"))
    assert "Both" not in (approved.text or "")


async def test_each_side_hears_only_of_its_own_tickets(stack: Stack) -> None:
    paula = bearer(await assign_purchaser(stack))
    ours = await raise_ticket(stack, stack.auth("Derek"), "customer only", shared=False)
    theirs = await raise_ticket(stack, paula, "purchaser only", shared=False)
    for number in (ours, theirs):
        assert (await comment(stack, number, "Sam", f"Answer on {number}")).status_code == 201
    await stack.wait_for_mail(to(DEREK, f"Answer on {ours}"))
    await stack.wait_for_mail(to(PAULA["email"], f"Answer on {theirs}"))
    await settled(stack)
    for number, side in ((ours, DEREK), (theirs, PAULA["email"])):
        told = {
            address
            for message in stack.mail.messages
            if number in message.subject + (message.text or "")
            for address in message.recipients
        }
        assert told == {SERVICE_TEAM, side}


class TestExpiry:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        # The approval emails, and Ursula's approval, must come before the links expire with
        # the request: 3 s is too short when the suite runs in parallel on a loaded machine.
        return {"approval_reminder_seconds": 60, "approval_expiry_seconds": 6}

    async def test_approvers_are_told_when_the_request_expires(self, stack: Stack) -> None:
        request = await filed_addition(stack)
        links = await approval_links(stack)
        assert (await decide(stack, links["customer"], "approve")).status_code == 200
        for approver in (URSULA, PERCY):
            told = await stack.wait_for_mail(
                titled(approver["email"], "expired"),
                timeout=20,
            )
            assert "nothing left for you to decide" in " ".join((told.text or "").split())
        await stack.wait_for_request(request["id"], lambda r: r["status"] == "expired")
        unanswered = await stack.http.get(links["purchaser"])
        assert unanswered.status_code == 410 and "expired" in unanswered.text
        answered = await stack.http.get(links["customer"])
        assert answered.status_code == 410 and "You approved this request" in answered.text
