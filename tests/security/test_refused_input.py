"""What a hostile tester sent that used to get through, over real HTTP: numbers JSON cannot
carry, bidirectional overrides in free text, a file where a form takes text, other scripts'
digits in an id. Each is refused with a clear answer, and nothing is stored or sent."""

import asyncio
from typing import Any

import httpx
import pytest
from sqlmodel import col

from models.ticket import Ticket, TicketComment
from models.user import ApiToken
from tests.conftest import Stack
from tests.e2e.profile import count, submitted
from tests.e2e.purchaser import approval_links, decide, filed_addition
from tests.portal.test_tickets import csrf, hidden, signed_in

JSON = {"Content-Type": "application/json"}
OVERRIDES = [
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
]


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
async def test_numbers_json_cannot_carry_get_a_422_naming_the_field(
    stack: Stack, number: str
) -> None:
    derek = {**stack.auth("Derek"), **JSON}
    bodies: list[tuple[str, str, list[str | int]]] = [
        ("/tickets", f'{{"subject": {number}, "body": "Hello"}}', ["body", "subject"]),
        (
            "/tickets",
            f'{{"subject": "Hi", "body": "Hello", "shared": {number}}}',
            ["body", "shared"],
        ),
        (
            f"/customers/{stack.customer_id}/profile-change-requests",
            f'{{"legal": {{"name": {number}, "address": null}}, "payment": null}}',
            ["body", "legal", "name"],
        ),
        (
            f"/customers/{stack.customer_id}/contact-change-requests",
            f'{{"changes": [{{"op": "remove", "contact_id": {number}}}]}}',
            ["body", "changes", 0, "remove", "contact_id"],
        ),
    ]
    for path, body, loc in bodies:
        answer = await stack.http.post(path, content=body.encode(), headers=derek)
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"] == "application/json"
        assert loc in [problem["loc"] for problem in answer.json()["detail"]], answer.text
    assert await count(stack, Ticket) == 0


@pytest.mark.parametrize("override", OVERRIDES, ids=[f"U+{ord(c):04X}" for c in OVERRIDES])
async def test_free_text_refuses_bidirectional_overrides(stack: Stack, override: str) -> None:
    text = f"Please pay {override}0007 ecnalab{override} today"
    derek = stack.auth("Derek")
    raised = await stack.http.post(
        "/tickets", json={"subject": "Refund", "body": text}, headers=derek
    )
    assert raised.status_code == 422
    assert raised.json()["detail"][0]["loc"] == ["body", "body"]
    assert "bidirectional" in raised.json()["detail"][0]["msg"]
    request = await submitted(stack)
    number = request["ticket_number"]
    commented = await stack.http.post(
        f"/tickets/{number}/comments", json={"body": text}, headers=derek
    )
    assert commented.status_code == 422
    declined = await stack.http.post(
        f"/requests/{request['id']}/decline", json={"reason": text}, headers=stack.auth("Sam")
    )
    assert declined.status_code == 422
    assert (await stack.http.get(f"/requests/{request['id']}", headers=derek)).json()[
        "status"
    ] == "in_review"
    assert await count(stack, TicketComment) == 0
    assert await count(stack, Ticket) == 1


async def test_the_portal_and_the_approval_page_refuse_overrides_too(stack: Stack) -> None:
    text = "Approved \u202eon behalf of finance"
    async with signed_in(stack, "teresa.echie@energy.example.com") as teresa:
        page = await teresa.get("/portal/tickets/new")
        form = {**hidden(page), "subject": "Refund", "description": text}
        refused = await teresa.post("/portal/tickets", data=form)
        assert refused.status_code == 422
        assert "Must not contain bidirectional override characters." in refused.text
    request = await filed_addition(stack)
    link = (await approval_links(stack))["customer"]
    asked = await stack.http.post(f"{link}/comments", data={"comment": text})
    assert asked.status_code == 422
    rejected = await decide(stack, link, "reject", text)
    assert rejected.status_code == 422
    shown = await stack.http.get(f"/requests/{request['id']}", headers=stack.auth("Derek"))
    assert shown.json()["status"] == "awaiting_approval"
    assert await count(stack, TicketComment) == 0
    assert await count(stack, Ticket) == 1


async def test_a_file_sent_in_a_text_field_is_refused(stack: Stack) -> None:
    async with signed_in(stack, "teresa.echie@energy.example.com") as teresa:
        page = await teresa.get("/portal/tickets/new")
        refused = await teresa.post(
            "/portal/tickets",
            data={**hidden(page), "subject": "Invoice"},
            files={"description": ("invoice.pdf", b"%PDF-1.7 not a description", "text/plain")},
        )
        assert refused.status_code == 422
        assert "takes text only" in refused.text
        assert "UploadFile" not in refused.text
        asked = await teresa.post(
            "/portal/sign-in",
            data={"next": "/portal"},
            files={"email": ("me.txt", b"teresa.echie@energy.example.com", "text/plain")},
        )
        assert asked.status_code == 422
    request = await filed_addition(stack)
    link = (await approval_links(stack))["customer"]
    question = await stack.http.post(
        f"{link}/comments", files={"comment": ("q.txt", b"A question", "text/plain")}
    )
    assert question.status_code == 422
    assert await count(stack, Ticket) == 1
    assert await count(stack, TicketComment) == 0
    assert request["status"] == "awaiting_approval"


async def test_ids_are_ascii_digits_only(stack: Stack) -> None:
    async with signed_in(stack, "teresa.echie@energy.example.com") as teresa:
        page = await teresa.get("/portal/tokens")
        made = await teresa.post("/portal/tokens", data={**hidden(page), "name": "Sync"})
        assert made.status_code == 201
        async with stack.sessions() as session:
            token = await session.get(ApiToken, _newest_token_id(made))
        assert token is not None and token.id is not None
        # The token's id in Arabic-Indic digits: not an id at all.
        foreign = str(token.id).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
        page = await teresa.get("/portal/tokens")
        revoked = await teresa.post(
            f"/portal/tokens/{foreign}/revoke", data={"csrf_token": csrf(page)}
        )
        assert revoked.status_code == 404
        async with stack.sessions() as session:
            kept = await session.get(ApiToken, token.id)
            assert kept is not None and kept.revoked_at is None
        request = await submitted(stack)
        foreign_id = request["id"].translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
        # Teresa may see requests; the id in other digits names none of them.
        assert (await teresa.get(f"/portal/requests/{request['id']}")).status_code == 200
        assert (await teresa.get(f"/portal/requests/{foreign_id}")).status_code == 404


def _newest_token_id(page: httpx.Response) -> int:
    """The id in the first revoke form of the tokens page (newest first)."""
    marker = 'action="/portal/tokens/'
    start = page.text.index(marker) + len(marker)
    return int(page.text[start : page.text.index("/revoke", start)])


async def test_every_answer_says_nosniff(stack: Stack) -> None:
    for path in ("/static/portal.css", "/static/portal.js", "/healthz", "/openapi.json", "/nope"):
        answer = await stack.http.get(path)
        assert answer.headers.get("x-content-type-options") == "nosniff", path
    refused = await stack.http.get("/tickets", headers={"Authorization": "Bearer nobody"})
    assert refused.status_code == 401
    assert refused.headers.get("x-content-type-options") == "nosniff"


async def _concurrently(count: int, send: Any) -> list[httpx.Response]:
    return list(await asyncio.gather(*(send() for _ in range(count))))


async def test_one_form_sent_twenty_times_at_once_makes_one_ticket_and_one_comment(
    stack: Stack,
) -> None:
    async with signed_in(stack, "teresa.echie@energy.example.com") as teresa:
        page = await teresa.get("/portal/tickets/new")
        form = {**hidden(page), "subject": "Printer", "description": "Out of toner again."}
        answers = await _concurrently(20, lambda: teresa.post("/portal/tickets", data=form))
        assert {answer.status_code for answer in answers} == {303}
        assert len({answer.headers["location"] for answer in answers}) == 1
        ticket = answers[0].headers["location"].split("?")[0]
        assert await count(stack, Ticket) == 1
        await stack.wait_for_mail(lambda m: "Printer" in (m.text or ""))

        page = await teresa.get(ticket)
        reply = {**hidden(page), "body": "Any news?"}
        replies = await _concurrently(20, lambda: teresa.post(f"{ticket}/comments", data=reply))
        assert {answer.status_code for answer in replies} == {303}
        assert await count(stack, TicketComment) == 1
        await stack.wait_for_mail(lambda m: "Any news?" in (m.text or ""))
    # Let any second email arrive, were one sent.
    await asyncio.sleep(1)
    team = [m for m in stack.mail.messages if m.recipients == ("service-team@localhost",)]
    assert len(team) == 2, [m.subject for m in team]


async def test_one_approval_question_sent_twenty_times_at_once_is_asked_once(
    stack: Stack,
) -> None:
    await filed_addition(stack)
    link = (await approval_links(stack))["customer"]
    page = await stack.http.get(link)
    key = hidden_key(page)
    question = {"comment": "Who signs for the purchaser?", "form_key": key}
    answers = await _concurrently(20, lambda: stack.http.post(f"{link}/comments", data=question))
    assert {answer.status_code for answer in answers} == {303}
    assert await count(stack, TicketComment, col(TicketComment.body) == question["comment"]) == 1
    await stack.wait_for_mail(lambda m: question["comment"] in (m.text or ""))
    await asyncio.sleep(1)
    told = [m for m in stack.mail.messages if question["comment"] in (m.text or "")]
    assert len(told) == 1


def hidden_key(page: httpx.Response) -> str:
    marker = 'name="form_key" value="'
    start = page.text.index(marker) + len(marker)
    return page.text[start : page.text.index('"', start)]
