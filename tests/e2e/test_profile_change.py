"""Profile change through the HTTP API on the real stack: Temporal, SMTP, database."""

import asyncio
import uuid
from typing import Any

import pytest
from sqlmodel import col, select

from api.main import create_app
from models.audit import AuditEvent
from models.enums import RequestStatus
from tests.conftest import PUBLIC_URL, Stack, serve
from tests.e2e.profile import (
    NEW_LEGAL,
    NEW_PAYMENT,
    customer_row,
    emails_for,
    request_rows,
    submit,
    submitted,
    tickets_for,
)
from workflows.request import RequestWorkflow

DEREK = "derek.emonstration@energy.example.com"
SERVICE_TEAM = "team@service.example.com"


async def test_implemented_end_to_end(stack: Stack) -> None:
    before = (await customer_row(stack)).profile().model_dump(mode="json")
    response = await submit(stack)
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"/requests/{created['id']}"
    assert created["status"] == "in_review"
    assert created["kind"] == "profile_change"
    assert created["existing"] == before
    assert created["requested"] == {"legal": NEW_LEGAL, "payment": NEW_LEGAL}

    request = await stack.wait_for_request(created["id"], lambda r: r["ticket_number"] is not None)
    number = request["ticket_number"]
    received = await stack.wait_for_mail(lambda m: "received" in m.subject)
    assert received.recipients == (DEREK,)
    assert number in received.subject
    assert received.text is not None and received.html is not None
    assert f"{PUBLIC_URL}/portal/requests/{created['id']}" in received.links
    assert f'href="{PUBLIC_URL}/portal/requests/{created["id"]}"' in received.html
    assert received.message_id.startswith("<") and received.message_id.endswith(">")

    customer = (
        await stack.http.get(f"/customers/{stack.customer_id}", headers=stack.auth("Teresa"))
    ).json()
    assert [r["id"] for r in customer["open_requests"]] == [created["id"]]
    assert customer["legal"] == before["legal"], "nothing applied before the service team confirms"

    # The service team asks a question: the requester is emailed; the requester's reply is not.
    asked = await stack.http.post(
        f"/tickets/{number}/comments",
        json={"body": "Is the new address effective immediately?"},
        headers=stack.auth("Sam"),
    )
    assert asked.status_code == 201, asked.text
    question = await stack.wait_for_mail(lambda m: "replied" in m.subject)
    assert "Is the new address effective immediately?" in (question.text or "")
    replied = await stack.http.post(
        f"/tickets/{number}/comments", json={"body": "Yes."}, headers=stack.auth("Derek")
    )
    assert replied.status_code == 201

    implemented = await stack.http.post(
        f"/requests/{created['id']}/implement", headers=stack.auth("Sam")
    )
    assert implemented.status_code == 200, implemented.text
    assert implemented.json()["status"] == "implemented"
    # Once applied, the request still shows what it replaced beside what it asked for.
    assert implemented.json()["existing"] == before
    assert implemented.json()["requested"] == {"legal": NEW_LEGAL, "payment": NEW_LEGAL}
    done = await stack.wait_for_mail(lambda m: "implemented" in m.subject)
    assert done.recipients == (DEREK,) and number in done.subject

    customer_now = await customer_row(stack)
    assert customer_now.legal_name == NEW_LEGAL["name"]
    assert customer_now.legal_city == "Leeds"
    assert customer_now.payment_name == NEW_LEGAL["name"], "payment defaults to legal"
    assert customer_now.payment_postal_code == "LS1 4AP"

    assert await tickets_for(stack, created["id"]) == 1
    await stack.wait_for_mail(
        lambda m: m.recipients == (SERVICE_TEAM,) and "Yes." in m.subject + (m.text or "")
    )
    await stack.run_ended(created["id"])
    # Derek: received, the service team's question, implemented; the service team: the
    # filing, and Derek's answer.
    assert await emails_for(stack, created["id"]) == 5
    assert sorted(m.subject for m in stack.mail.messages if m.recipients == (DEREK,)) == sorted(
        [received.subject, question.subject, done.subject]
    ), "each email exactly once, none to the requester of their own comment"
    team = [m for m in stack.mail.messages if m.recipients == (SERVICE_TEAM,)]
    assert len(team) == 2 and any("Yes." in (m.text or "") for m in team)
    ticket = (await stack.http.get(f"/tickets/{number}", headers=stack.auth("Derek"))).json()
    assert [c["body"] for c in ticket["comments"]] == [
        "Is the new address effective immediately?",
        "Yes.",
    ]

    async with stack.sessions() as session:
        actions = (
            await session.exec(
                select(AuditEvent.action)
                .where(AuditEvent.request_id == uuid.UUID(created["id"]))
                .order_by(col(AuditEvent.id))
            )
        ).all()
    assert actions[0] == "ticket_raised"
    assert "implemented" in actions and actions.count("email_sent") == 5

    again = await stack.http.post(f"/requests/{created['id']}/implement", headers=stack.auth("Sam"))
    assert again.status_code == 409


async def test_operators_find_it_by_ticket_and_query_its_status(stack: Stack) -> None:
    request = await submitted(stack)
    number = request["ticket_number"]
    found: list[Any] = []
    for _ in range(100):
        # Ticket numbers restart with each test's empty database: narrow by customer too.
        query = f"TicketNumber='{number}' AND CustomerId='{stack.customer_id}'"
        found = [w async for w in stack.temporal.list_workflows(query)]
        if found:
            break
        await asyncio.sleep(0.1)
    assert len(found) == 1
    assert found[0].id == f"profile-change-{stack.customer_id}"
    attributes = found[0].typed_search_attributes
    ours = {"CustomerId", "RequestKind", "RequestStatus", "TicketNumber"}
    assert {pair.key.name: pair.value for pair in attributes if pair.key.name in ours} == {
        "CustomerId": stack.customer_id,
        "RequestKind": "profile_change",
        "RequestStatus": "in_review",
        "TicketNumber": number,
    }
    handle = stack.temporal.get_workflow_handle(found[0].id)
    state = await handle.query(RequestWorkflow.status)
    assert state.status is RequestStatus.IN_REVIEW
    assert number in state.waiting_for
    description = await handle.describe()
    assert "Profile change" in (await description.static_summary() or "")


async def test_explicit_payment_details_are_kept(stack: Stack) -> None:
    request = await submitted(stack, payment=NEW_PAYMENT)
    assert request["requested"]["payment"] == NEW_PAYMENT
    response = await stack.http.post(
        f"/requests/{request['id']}/implement", headers=stack.auth("Sam")
    )
    assert response.status_code == 200
    customer = await customer_row(stack)
    assert (customer.legal_name, customer.payment_name) == (NEW_LEGAL["name"], NEW_PAYMENT["name"])
    assert customer.payment_city == "York"


async def test_requester_cancels(stack: Stack) -> None:
    before = (await customer_row(stack)).profile()
    request = await submitted(stack)
    response = await stack.http.post(
        f"/requests/{request['id']}/cancel", headers=stack.auth("Derek")
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"
    cancelled = await stack.wait_for_mail(lambda m: "cancelled" in m.subject)
    assert cancelled.recipients == (DEREK,)
    assert (await customer_row(stack)).profile() == before
    late = await stack.http.post(f"/requests/{request['id']}/implement", headers=stack.auth("Sam"))
    assert late.status_code == 409
    customer = (
        await stack.http.get(f"/customers/{stack.customer_id}", headers=stack.auth("Derek"))
    ).json()
    assert customer["open_requests"] == []
    # The customer may file again once the request is closed (the workflow id is reused).
    assert (await submit(stack)).status_code == 201


async def test_service_team_declines_with_a_reason(stack: Stack) -> None:
    before = (await customer_row(stack)).profile()
    request = await submitted(stack)
    reason = "We need the <b>certificate</b> of incorporation first."
    response = await stack.http.post(
        f"/requests/{request['id']}/decline", json={"reason": reason}, headers=stack.auth("Sam")
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "declined"
    declined = await stack.wait_for_mail(lambda m: "declined" in m.subject)
    assert reason in (declined.text or "")
    assert "&lt;b&gt;certificate&lt;/b&gt;" in (declined.html or "")
    assert "<b>certificate</b>" not in (declined.html or "")
    assert (await customer_row(stack)).profile() == before
    ticket = (
        await stack.http.get(f"/tickets/{request['ticket_number']}", headers=stack.auth("Derek"))
    ).json()
    assert [(c["kind"], c["body"]) for c in ticket["comments"]] == [("decline_reason", reason)]


async def test_decline_needs_a_reason(stack: Stack) -> None:
    request = await submitted(stack)
    response = await stack.http.post(
        f"/requests/{request['id']}/decline", json={"reason": "  "}, headers=stack.auth("Sam")
    )
    assert response.status_code == 422
    assert (await stack.wait_for_request(request["id"], lambda r: True))["status"] == "in_review"


async def test_identity_and_roles(stack: Stack) -> None:
    url = f"/customers/{stack.customer_id}/profile-change-requests"
    body = {"legal": NEW_LEGAL, "payment": None}
    assert (await stack.http.post(url, json=body)).status_code == 401
    bad = await stack.http.post(url, json=body, headers={"Authorization": "Bearer so_forged"})
    assert bad.status_code == 401 and bad.headers["www-authenticate"] == "Bearer"
    assert (await submit(stack, who="Teresa")).status_code == 403, "Financial may not request"
    by_team = await submit(stack, who="Sam")
    assert by_team.status_code == 422, "the team files for a customer only with its reason"
    assert [problem["type"] for problem in by_team.json()["detail"]] == ["reason_missing"]
    assert (await submit(stack, who="Olive")).status_code == 404, "another customer's is hidden"
    assert (
        await stack.http.get(f"/customers/{stack.customer_id}", headers=stack.auth("Olive"))
    ).status_code == 404
    assert await request_rows(stack) == 0
    assert stack.mail.messages == []

    request = await submitted(stack)
    path = f"/requests/{request['id']}"
    assert (await stack.http.get(path, headers=stack.auth("Olive"))).status_code == 404
    assert (await stack.http.get(path, headers=stack.auth("Timothy"))).status_code == 200
    assert (
        await stack.http.post(f"{path}/implement", headers=stack.auth("Derek"))
    ).status_code == 403
    assert (
        await stack.http.post(f"{path}/cancel", headers=stack.auth("Teresa"))
    ).status_code == 403
    assert (await stack.http.post(f"{path}/cancel", headers=stack.auth("Sam"))).status_code == 403
    assert (await stack.http.post(f"{path}/cancel", headers=stack.auth("Olive"))).status_code == 404
    assert (
        await stack.http.get(f"/tickets/{request['ticket_number']}", headers=stack.auth("Olive"))
    ).status_code == 404
    assert (await stack.wait_for_request(request["id"], lambda r: True))["status"] == "in_review"


async def test_invalid_request_lists_every_problem_and_stores_nothing(stack: Stack) -> None:
    response = await submit(
        stack,
        legal={"name": "", "address": {**NEW_LEGAL["address"], "country": "XX"}},
        payment={"name": "Acme\r\nBcc: victim@example.com", "address": {"street": "x"}},
    )
    assert response.status_code == 422
    locs = {tuple(problem["loc"]) for problem in response.json()["detail"]}
    assert {
        ("body", "legal", "name"),
        ("body", "legal", "address", "country"),
        ("body", "payment", "name"),
        ("body", "payment", "address", "city"),
        ("body", "payment", "address", "postal_code"),
        ("body", "payment", "address", "country"),
    } <= locs
    current = (await customer_row(stack)).profile().model_dump(mode="json")
    same = await submit(stack, legal=current["legal"], payment=current["payment"])
    assert same.status_code == 422
    assert same.json()["detail"][0]["type"] == "no_change"
    assert await request_rows(stack) == 0
    await asyncio.sleep(0.3)
    assert stack.mail.messages == []


async def test_one_open_request_per_customer_without_a_race(stack: Stack) -> None:
    responses = await asyncio.gather(*(submit(stack) for _ in range(5)))
    codes = sorted(response.status_code for response in responses)
    assert codes == [201, 409, 409, 409, 409], [r.text for r in responses]
    assert await request_rows(stack) == 1
    winner = next(r.json() for r in responses if r.status_code == 201)
    await stack.wait_for_request(winner["id"], lambda r: r["ticket_number"] is not None)
    assert (await submit(stack, who="Derek")).status_code == 409
    # Another customer is not blocked.
    other = await submit(stack, who="Olive", customer_id=stack.other_customer_id)
    assert other.status_code == 201


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"review_reminder_seconds": 1, "service_team_email": "team@service.example.com"}


async def test_service_team_is_reminded_while_it_has_not_decided(stack: Stack) -> None:
    request = await submitted(stack)
    reminder = await stack.wait_for_mail(lambda m: "Reminder" in m.subject)
    assert reminder.recipients == ("team@service.example.com",)
    assert request["ticket_number"] in reminder.subject
    response = await stack.http.post(
        f"/requests/{request['id']}/implement", headers=stack.auth("Sam")
    )
    assert response.status_code == 200


async def test_temporal_unreachable_answers_503_and_stores_nothing(stack: Stack) -> None:
    unreachable = stack.settings.model_copy(update={"temporal_address": "127.0.0.1:1"})
    async with serve(create_app(unreachable)) as http:
        response = await http.post(
            f"/customers/{stack.customer_id}/profile-change-requests",
            json={"legal": NEW_LEGAL, "payment": None},
            headers=stack.auth("Derek"),
        )
    assert response.status_code == 503, response.text
    assert "unavailable" in response.json()["detail"]
    assert await request_rows(stack) == 0


async def test_a_new_request_may_follow_the_moment_the_last_one_closed(stack: Stack) -> None:
    """The closed request's workflow may still be emailing its outcome: the new one waits."""
    first = await submitted(stack)
    declined = await stack.http.post(
        f"/requests/{first['id']}/decline", json={"reason": "No."}, headers=stack.auth("Sam")
    )
    assert declined.status_code == 200
    again = await submit(stack)
    assert again.status_code == 201, again.text
    assert again.json()["id"] != first["id"]
