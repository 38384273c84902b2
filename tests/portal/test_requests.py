"""Requests in the portal over real HTTP: a contact files a profile change on the profile page,
follows it, cancels or replies; the service team finds it in the queue, implements or
declines it; nobody sees what is not theirs, and no form without its token does anything."""

import re
import uuid
from typing import Any

import httpx

from models.request import ChangeRequest
from tests.conftest import PUBLIC_URL, Stack
from tests.e2e.profile import NEW_LEGAL, customer_row, submitted
from tests.e2e.purchaser import (
    PAULA,
    PERCY,
    PURCHASER,
    URSULA,
    approval_links,
    decide,
    filed_addition,
)
from tests.e2e.test_contact_change import ANNABELLE, filed, worked_example
from tests.e2e.test_purchaser_removal import give_financial_to_teresa, removal
from tests.portal.test_sign_in import browser, derek, sign_in

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
PAGE = re.compile(r"^/portal/requests/([0-9a-f-]{36})\?done=filed$")


def csrf(page: httpx.Response) -> str:
    found = TOKEN.search(page.text)
    assert found, page.text[:500]
    return found.group(1)


def sam(stack: Stack) -> str:
    return str(stack.demo["staff"][0]["email"])


def olive(stack: Stack) -> str:
    return str(stack.demo["customers"][1]["contacts"][0]["email"])


def profile_form(token: str) -> dict[str, str]:
    address = NEW_LEGAL["address"]
    return {
        "csrf_token": token,
        "legal.name": NEW_LEGAL["name"],
        "legal.address.street": address["street"],
        "legal.address.city": address["city"],
        "legal.address.postal_code": address["postal_code"],
        "legal.address.country": address["country"],
        "payment_same_as_legal": "yes",
    }


async def file_on_profile_page(stack: Stack, client: httpx.AsyncClient) -> str:
    """The profile page's form, as a person fills it in; the new request's id, once its
    ticket is raised."""
    page = await client.get("/portal/profile")
    filed = await client.post("/portal/profile", data=profile_form(csrf(page)))
    assert filed.status_code == 303, filed.text
    found = PAGE.match(filed.headers["location"])
    assert found, filed.headers["location"]
    request_id = found.group(1)
    await stack.wait_for_request(request_id, lambda r: r["ticket_number"] is not None)
    return request_id


async def post_on_page(
    client: httpx.AsyncClient, request_id: str, action: str, **fields: str
) -> httpx.Response:
    page = await client.get(f"/portal/requests/{request_id}")
    assert page.status_code == 200, page.text
    return await client.post(
        f"/portal/requests/{request_id}/{action}", data={"csrf_token": csrf(page), **fields}
    )


async def status_of(stack: Stack, request_id: str) -> str:
    async with stack.sessions() as session:
        row = await session.get(ChangeRequest, uuid.UUID(request_id))
        assert row is not None
        return row.status.value


async def settled_as(stack: Stack, request_id: str, status: str) -> dict[str, Any]:
    return await stack.wait_for_request(request_id, lambda r: r["status"] == status)


def done(answer: httpx.Response, request_id: str, notice: str) -> None:
    """Redirected to the request's page, with ``notice`` or, still applying, "accepted"."""
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] in (
        f"/portal/requests/{request_id}?done={notice}",
        f"/portal/requests/{request_id}?done=accepted",
    )


async def test_filed_on_the_profile_page_followed_found_in_the_queue_and_implemented(
    stack: Stack,
) -> None:
    async with browser(stack) as requester, browser(stack) as team:
        await sign_in(stack, requester, derek(stack)["email"])
        request_id = await file_on_profile_page(stack, requester)

        page = await requester.get(f"/portal/requests/{request_id}?done=filed")
        assert page.status_code == 200
        assert "<h1>Profile change request</h1>" in page.text
        assert "Your request is filed" in page.text
        assert NEW_LEGAL["name"] in page.text and "Example Energy plc" in page.text
        assert "Waits for" in page.text and "The service team&#39;s confirmation" in page.text
        assert ">Cancel request</button>" in page.text
        assert ">Implement</button>" not in page.text and "Reason for declining" not in page.text
        number = (await stack.wait_for_request(request_id, lambda r: True))["ticket_number"]
        assert number in page.text

        listed = await requester.get("/portal/requests")
        assert listed.status_code == 200
        open_part = listed.text.split('id="past-heading"')[0]
        assert f'href="/portal/requests/{request_id}"' in open_part

        await sign_in(stack, team, sam(stack))
        queue = await team.get("/portal/queue")
        assert queue.status_code == 200
        assert f'href="/portal/requests/{request_id}"' in queue.text and number in queue.text
        assert "Example Energy plc" in queue.text
        for filters in (
            {"kind": "profile_change", "customer_id": stack.customer_id, "status": "in_review"},
            {"status": "open"},
            {"kind": "nonsense", "customer_id": "nobody", "status": "nonsense"},
        ):
            filtered = await team.get("/portal/queue", params=filters)
            assert filtered.status_code == 200
            assert f'href="/portal/requests/{request_id}"' in filtered.text, filters
        for filters in (
            {"kind": "contact_change"},
            {"customer_id": stack.other_customer_id},
            {"status": "implemented"},
        ):
            filtered = await team.get("/portal/queue", params=filters)
            assert f'href="/portal/requests/{request_id}"' not in filtered.text, filters
            assert "No request matches." in filtered.text

        found = await team.get("/portal/queue", params={"ticket": f" {number.lower()} "})
        assert found.status_code == 303
        assert found.headers["location"] == f"/portal/requests/{request_id}"
        missing = await team.get("/portal/queue", params={"ticket": "SO-99999"})
        assert missing.status_code == 200
        assert "No request was found with ticket number SO-99999." in missing.text

        staff_page = await team.get(f"/portal/requests/{request_id}")
        assert ">Implement</button>" in staff_page.text and ">Decline</button>" in staff_page.text
        assert '<label for="f-reason">Reason for declining</label>' in staff_page.text
        assert ">Cancel request</button>" not in staff_page.text

        done(await post_on_page(team, request_id, "implement"), request_id, "implemented")
        await settled_as(stack, request_id, "implemented")
        page = await requester.get(f"/portal/requests/{request_id}")
        assert "implemented" in page.text and "How it ended" in page.text
        assert "The service team implemented it" in page.text
        assert ">Cancel request</button>" not in page.text
        profile = await requester.get("/portal/profile")
        assert NEW_LEGAL["name"] in profile.text and "2 Turbine Road" in profile.text
        assert (await customer_row(stack)).legal_name == NEW_LEGAL["name"]

        listed = await requester.get("/portal/requests")
        past_part = listed.text.split('id="past-heading"')[1]
        assert f'href="/portal/requests/{request_id}"' in past_part

        again = await post_on_page(team, request_id, "implement")
        assert again.status_code == 409
        assert "past that step" in again.text


async def test_the_requester_cancels_and_a_second_cancel_is_past_that_step(stack: Stack) -> None:
    async with browser(stack) as requester:
        await sign_in(stack, requester, derek(stack)["email"])
        request_id = await file_on_profile_page(stack, requester)
        done(await post_on_page(requester, request_id, "cancel"), request_id, "cancelled")
        await settled_as(stack, request_id, "cancelled")
        page = await requester.get(f"/portal/requests/{request_id}?done=cancelled")
        assert "The request is cancelled." in page.text
        assert "It was cancelled before it was implemented" in page.text
        assert ">Cancel request</button>" not in page.text
        again = await post_on_page(requester, request_id, "cancel")
        assert again.status_code == 409
        assert "The request is past that step: it is cancelled." in again.text
        assert (await customer_row(stack)).legal_name == "Example Energy plc"


async def test_a_decline_needs_a_reason_which_the_conversation_shows(stack: Stack) -> None:
    async with browser(stack) as requester, browser(stack) as team:
        await sign_in(stack, requester, derek(stack)["email"])
        request_id = await file_on_profile_page(stack, requester)
        await sign_in(stack, team, sam(stack))

        blank = await post_on_page(team, request_id, "decline", reason="   ")
        assert blank.status_code == 422
        assert 'aria-invalid="true" aria-describedby="f-reason-error"' in blank.text
        assert "Enter the reason for declining" in blank.text
        # The service reads the reason as the API's schema; its problem shows beside the field.
        nul = await post_on_page(team, request_id, "decline", reason="Not\x00this")
        assert nul.status_code == 422
        assert 'aria-describedby="f-reason-error"' in nul.text
        assert "Must not contain NUL characters." in nul.text
        assert await status_of(stack, request_id) == "in_review"

        reason = "The new address is not registered with Companies House yet."
        done(await post_on_page(team, request_id, "decline", reason=reason), request_id, "declined")
        await settled_as(stack, request_id, "declined")
        page = await requester.get(f"/portal/requests/{request_id}")
        assert "declined" in page.text and "their reason is in the conversation" in page.text
        conversation = page.text.split('id="conversation-heading"')[1]
        assert reason in conversation and "reason for declining" in conversation


async def test_a_contact_and_the_service_team_reply_on_the_page(stack: Stack) -> None:
    async with browser(stack) as requester, browser(stack) as team:
        await sign_in(stack, requester, derek(stack)["email"])
        request_id = await file_on_profile_page(stack, requester)
        await sign_in(stack, team, sam(stack))

        empty = await post_on_page(requester, request_id, "reply", body="  ")
        assert empty.status_code == 422 and "Write your reply first." in empty.text

        said = "The new address applies from Monday."
        done(await post_on_page(requester, request_id, "reply", body=said), request_id, "replied")
        staff_page = await team.get(f"/portal/requests/{request_id}")
        assert said in staff_page.text and "(Requester)" in staff_page.text
        # A profile change asks no approver: the service team is offered none, and one
        # named anyway is refused beside the reply, which is kept.
        assert 'name="to_approver"' not in staff_page.text
        answer = "Thank you, we will apply it on Monday."
        refused = await post_on_page(team, request_id, "reply", body=answer, to_approver="customer")
        assert refused.status_code == 422
        assert "asked no customer approver" in refused.text
        assert f">{answer}</textarea>" in refused.text

        done(await post_on_page(team, request_id, "reply", body=answer), request_id, "replied")
        page = await requester.get(f"/portal/requests/{request_id}")
        assert answer in page.text and "Sam Service (service team) · " in page.text
        assert "(Service team)" not in page.text, "the capacity is said once"
        await stack.wait_for_mail(lambda m: answer in (m.text or ""))


async def test_nobody_sees_what_is_not_theirs(stack: Stack) -> None:
    request = await submitted(stack)
    async with browser(stack) as other, browser(stack) as contact:
        await sign_in(stack, other, olive(stack))
        page = await other.get(f"/portal/requests/{request['id']}")
        assert page.status_code == 404 and "Not found" in page.text
        assert "Example Energy" not in page.text
        token = csrf(await other.get("/portal/profile"))
        for action, fields in (
            ("reply", {"body": "Hello?"}),
            ("cancel", {}),
            ("decline", {"reason": ""}),
            ("decline", {"reason": "Not theirs."}),
        ):
            refused = await other.post(
                f"/portal/requests/{request['id']}/{action}",
                data={"csrf_token": token, **fields},
            )
            assert refused.status_code == 404, action
        listed = await other.get("/portal/requests")
        assert request["id"] not in listed.text and "Example Energy" not in listed.text
        assert (await other.get("/portal/requests/not-a-uuid")).status_code == 404

        await sign_in(stack, contact, derek(stack)["email"])
        assert (await contact.get("/portal/queue")).status_code == 404
        assert (await contact.get("/portal/queue", params={"ticket": "x"})).status_code == 404
        token = csrf(await contact.get(f"/portal/requests/{request['id']}"))
        for action, reason in (("implement", ""), ("decline", "Not mine."), ("decline", "")):
            refused = await contact.post(
                f"/portal/requests/{request['id']}/{action}",
                data={"csrf_token": token, "reason": reason},
            )
            assert refused.status_code == 403, (action, reason)
    assert await status_of(stack, request["id"]) == "in_review"


async def test_a_form_without_its_token_does_nothing(stack: Stack) -> None:
    request = await submitted(stack)
    async with browser(stack) as requester, browser(stack) as team:
        await sign_in(stack, requester, derek(stack)["email"])
        await sign_in(stack, team, sam(stack))
        for client, action, fields in (
            (requester, "cancel", {}),
            (requester, "reply", {"body": "Forged"}),
            (team, "implement", {}),
            (team, "decline", {"reason": "Forged"}),
        ):
            for token in ({}, {"csrf_token": "forged"}):
                answer = await client.post(
                    f"/portal/requests/{request['id']}/{action}", data={**fields, **token}
                )
                assert answer.status_code == 403, (action, token)
        page = await requester.get(f"/portal/requests/{request['id']}")
    assert await status_of(stack, request["id"]) == "in_review"
    assert "Forged" not in page.text
    ticket = await stack.http.get(
        f"/tickets/{request['ticket_number']}", headers=stack.auth("Derek")
    )
    assert ticket.json()["comments"] == []


async def test_the_json_list_filters_and_shows_each_caller_only_theirs(stack: Stack) -> None:
    ours = await submitted(stack)
    theirs = await submitted(
        stack,
        who="Olive",
        customer_id=stack.other_customer_id,
        legal={**NEW_LEGAL, "name": "Northwind Metals Group Ltd"},
    )

    async def ids(who: str, **params: str) -> list[str]:
        answer = await stack.http.get("/requests", params=params, headers=stack.auth(who))
        assert answer.status_code == 200, answer.text
        return [item["id"] for item in answer.json()]

    assert await ids("Sam") == [theirs["id"], ours["id"]], "newest first"
    assert await ids("Sam", customer_id=stack.customer_id) == [ours["id"]]
    assert await ids("Sam", kind="profile_change", status="open") == [theirs["id"], ours["id"]]
    assert await ids("Sam", status="in_review") == [theirs["id"], ours["id"]]
    assert await ids("Sam", kind="contact_change") == []
    assert await ids("Sam", status="implemented") == []
    assert await ids("Sam", ticket=ours["ticket_number"]) == [ours["id"]]
    assert await ids("Sam", ticket=ours["ticket_number"].lower()) == [ours["id"]]
    assert await ids("Derek") == [ours["id"]]
    assert await ids("Timothy") == [ours["id"]]
    assert await ids("Olive") == [theirs["id"]]
    assert await ids("Olive", customer_id=stack.customer_id) == []
    assert await ids("Olive", ticket=ours["ticket_number"]) == []

    answer = await stack.http.get("/requests", headers=stack.auth("Derek"))
    item = answer.json()[0]
    assert item["customer_name"] == "Example Energy plc"
    assert item["kind"] == "profile_change" and item["status"] == "in_review"
    assert item["ticket_number"] == ours["ticket_number"]
    assert {"created_at", "updated_at", "customer_id"} <= set(item)
    for bad in ({"status": "nonsense"}, {"kind": "nonsense"}, {"customer_id": "x"}):
        refused = await stack.http.get("/requests", params=bad, headers=stack.auth("Sam"))
        assert refused.status_code == 422, bad
    assert (await stack.http.get("/requests")).status_code == 401


async def test_links_of_emails_sent_before_the_portal_open_its_pages(stack: Stack) -> None:
    request = await submitted(stack)
    number = request["ticket_number"]
    html = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    for old, new in (
        (f"/requests/{request['id']}", f"/portal/requests/{request['id']}"),
        (f"/tickets/{number}", f"/portal/tickets/{number}"),
    ):
        opened = await stack.http.get(old, headers=html)
        assert opened.status_code == 303 and opened.headers["location"] == new
        assert (await stack.http.get(old)).status_code == 401
        as_json = await stack.http.get(old, headers={"Accept": "application/json"})
        assert as_json.status_code == 401
        with_token = await stack.http.get(old, headers={**html, **stack.auth("Derek")})
        assert with_token.status_code == 200 and with_token.json()
    received = await stack.wait_for_mail(lambda m: "received" in m.subject)
    assert f"{PUBLIC_URL}/portal/requests/{request['id']}" in received.links


def section(page: httpx.Response, heading: str) -> str:
    """The page's text from the heading ``heading`` to the next of its level."""
    return page.text.split(f'id="{heading}"')[1].split("<h2 ")[0]


async def test_a_contact_change_reads_as_contacts_marked_and_then_as_its_changes(
    stack: Stack,
) -> None:
    request = await filed(stack, worked_example(stack))
    async with browser(stack) as requester:
        await sign_in(stack, requester, derek(stack)["email"])
        page = await requester.get(f"/portal/requests/{request['id']}")
        assert page.status_code == 200 and "<h1>Contact change request</h1>" in page.text
        details = section(page, "details-heading")
        assert "<caption>Contacts and roles once the change is implemented</caption>" in details
        assert "<caption>Contacts and roles now</caption>" in details
        for mark in ("unchanged", "updated", "added", "removed"):
            assert f'class="badge change-{mark}">{mark}</span>' in details, mark
        assert ANNABELLE["email"] in details and "+44 161 496 0999" in details
        assert "Cust Admin" in details and '<th scope="col">Roles</th>' in details

        done(await post_on_page(requester, request["id"], "cancel"), request["id"], "cancelled")
        await settled_as(stack, request["id"], "cancelled")
        page = await requester.get(f"/portal/requests/{request['id']}")
        details = section(page, "details-heading")
        assert "<caption>Changes asked for</caption>" in details
        assert "Remove contact" in details and "Timothy Ester" in details
        assert "Add roles" in details and "Phone: +44 161 496 0999" in details
        assert ANNABELLE["email"] not in page.text, "a cancelled request's newcomer is erased"


async def test_purchaser_requests_show_the_purchaser_approvers_and_roles_moving(
    stack: Stack,
) -> None:
    addition = await filed_addition(stack)
    async with browser(stack) as requester, browser(stack) as team:
        await sign_in(stack, requester, derek(stack)["email"])
        await sign_in(stack, team, sam(stack))
        page = await requester.get(f"/portal/requests/{addition['id']}")
        assert page.status_code == 200
        assert (
            "The approval of the customer&#39;s approver and the purchaser&#39;s approver"
            in page.text
        )
        details = section(page, "details-heading")
        assert "No purchaser organisation is assigned." in details
        assert PURCHASER["name"] in details and "9 Ledger Lane" in details
        assert PAULA["email"] in details and PERCY["name"] in details and URSULA["email"] in details
        assert (
            "<caption>Roles the customer&#39;s contacts give up to the purchaser</caption>"
            in details
        )
        assert "Teresa Echie" in details
        approvals = section(page, "approvals-heading")
        assert "The customer's approver" in approvals and "Pending" in approvals
        assert 'name="to_approver"' not in page.text, "only the service team answers approvers"
        # What the approvers are asked, in the words of their emails and their page.
        assert f"The approvers are asked to add {PURCHASER['name']} as its purchaser" in approvals
        assert "Purchaser contacts:" in approvals and PAULA["first_name"] in approvals

        staff_page = await team.get(f"/portal/requests/{addition['id']}")
        assert '<option value="customer">' in staff_page.text
        assert '<option value="purchaser">' in staff_page.text
        assert ">Implement</button>" not in staff_page.text, "not before the approvals"
        # A reply refused comes back with the side it was to go to still chosen; a message
        # about the choice is beside the choice.
        empty = await post_on_page(team, addition["id"], "reply", body=" ", to_approver="purchaser")
        assert empty.status_code == 422 and "Write your reply first." in empty.text
        assert '<option value="purchaser" selected>' in empty.text
        assert '<option value="customer">' in empty.text
        assert '<option value="" selected>' not in empty.text
        nobody = await post_on_page(
            team, addition["id"], "reply", body="Kept.", to_approver="nobody"
        )
        assert nobody.status_code == 422 and ">Kept.</textarea>" in nobody.text
        assert 'name="to_approver" aria-invalid="true" aria-describedby="reply-to-error"' in (
            nobody.text
        )
        assert 'id="reply-to-error"' in nobody.text
        assert 'aria-describedby="reply-error"' not in nobody.text
        answer = "Percy signs for Purchase Partners."
        sent = await post_on_page(
            team, addition["id"], "reply", body=answer, to_approver="purchaser"
        )
        done(sent, addition["id"], "replied")
        await stack.wait_for_mail(
            lambda m: m.recipients == (PERCY["email"],) and answer in (m.text or "")
        )
        page = await requester.get(f"/portal/requests/{addition['id']}")
        assert "to the purchaser approver" in section(page, "conversation-heading")

        links = await approval_links(stack)
        for side in ("customer", "purchaser"):
            assert (await decide(stack, links[side], "approve")).status_code == 200
        await settled_as(stack, addition["id"], "in_review")
        done(await post_on_page(team, addition["id"], "implement"), addition["id"], "implemented")
        await settled_as(stack, addition["id"], "implemented")

        filed_removal = await removal(stack, give_financial_to_teresa(stack))
        assert filed_removal.status_code == 201, filed_removal.text
        removal_id = filed_removal.json()["id"]
        await stack.wait_for_request(removal_id, lambda r: len(r["approvals"]) == 1)
        page = await requester.get(f"/portal/requests/{removal_id}")
        assert "<h1>Purchaser removal request</h1>" in page.text
        assert "The approval of the customer&#39;s approver; then" in page.text
        details = section(page, "details-heading")
        assert "Purchaser to be removed" in details and PURCHASER["name"] in details
        assert "<caption>Roles given back to the customer&#39;s contacts</caption>" in details
        assert 'class="badge change-removed">removed</span>' in details
        assert URSULA["name"] in details
