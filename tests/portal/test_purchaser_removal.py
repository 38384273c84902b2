"""The purchaser-removal form over real HTTP: Management files a removal that the API then
shows; a refused form tells every problem at once, input kept; only Management and Cust
Admin of a customer with a purchaser get the form."""

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from tests.conftest import Stack
from tests.e2e.purchaser import PURCHASER, URSULA, assign_purchaser
from tests.e2e.test_contact_change import contact_id
from tests.portal.test_requests import csrf
from tests.portal.test_sign_in import browser, sign_in

FORM = "/portal/purchaser/removal"
FILED = re.compile(r"^/portal/requests/([0-9a-f-]{36})\?done=filed$")


def email_of(stack: Stack, first_name: str) -> str:
    people = [c for customer in stack.demo["customers"] for c in customer["contacts"]]
    return str(next(p["email"] for p in people if p["name"].split()[0] == first_name))


@asynccontextmanager
async def signed_in(stack: Stack, first_name: str) -> AsyncIterator[httpx.AsyncClient]:
    async with browser(stack) as client:
        await sign_in(stack, client, email_of(stack, first_name))
        yield client


async def test_the_form_files_a_removal_the_api_shows(stack: Stack) -> None:
    await assign_purchaser(stack)
    teresa = contact_id(stack, "Teresa")
    async with signed_in(stack, "Derek") as client:
        profile = await client.get("/portal/profile")
        assert profile.status_code == 200
        assert f'action="{FORM}"' in profile.text and "Request purchaser removal" in profile.text
        page = await client.get(FORM)
        assert page.status_code == 200, page.text
        assert PURCHASER["name"] in page.text and "Responsible for: financial" in page.text
        assert ">New holder of Financial</label>" in page.text
        # Only the required roles the purchaser holds: the others stay with the customer.
        assert "New holder of Management" not in page.text
        assert "Customer approver name" in page.text and "Customer approver email" in page.text
        filed = await client.post(
            FORM,
            data={
                "csrf_token": csrf(page),
                "holder.financial": teresa,
                "approver.name": URSULA["name"],
                "approver.email": URSULA["email"],
            },
        )
        assert filed.status_code == 303, filed.text
        found = FILED.match(filed.headers["location"])
        assert found, filed.headers["location"]
        shown = await client.get(filed.headers["location"])
        assert shown.status_code == 200
    request = await stack.wait_for_request(found.group(1), lambda r: r["ticket_number"] is not None)
    assert request["kind"] == "purchaser_removal"
    assert request["requested"]["role_assignments"] == [
        {"contact_id": teresa, "roles": ["financial"]}
    ]
    assert request["requested"]["approver"]["email"] == URSULA["email"]
    answer = await stack.http.get(f"/requests/{request['id']}", headers=stack.auth("Derek"))
    assert answer.status_code == 200 and answer.json()["kind"] == "purchaser_removal"


async def test_every_problem_at_once_and_only_requesters_with_a_purchaser(stack: Stack) -> None:
    await assign_purchaser(stack)
    async with signed_in(stack, "Derek") as client:
        page = await client.get(FORM)

        async def refused(email: str) -> str:
            """The form refused with no new holder of Financial and no approver's name."""
            fields = {"holder.financial": "", "approver.name": "", "approver.email": email}
            answer = await client.post(FORM, data={"csrf_token": csrf(page), **fields})
            assert answer.status_code == 422, answer.text
            assert "There are 3 problems" in answer.text, answer.text
            return answer.text

        text = await refused("not-an-email")
        assert "Enter the customer approver name." in text
        assert "The required role Financial would be held by no contact" in text
        assert 'value="not-an-email"' in text
        assert 'id="f-approver-email" name="approver.email"' in text
        assert text.count('aria-invalid="true"') == 3
        assert "nothing was sent" in text
        # The rules see the approver the schema takes: the requester may not be one.
        text = await refused(email_of(stack, "Derek"))
        assert 'id="f-approver-name-error">Enter the customer approver name.' in text
        assert 'id="f-holder-financial-error">The required role Financial would be' in text
        assert 'id="f-approver-email-error">The requester may not approve their own' in text

    async with signed_in(stack, "Timothy") as client:
        assert (await client.get(FORM)).status_code == 403
        profile = await client.get("/portal/profile")
        assert profile.status_code == 200 and "Request purchaser removal" not in profile.text
        posted = await client.post(FORM, data={"csrf_token": csrf(profile), "holder.financial": ""})
        assert posted.status_code == 403


async def test_without_a_purchaser_there_is_none_to_remove(stack: Stack) -> None:
    async with signed_in(stack, "Derek") as client:
        profile = await client.get("/portal/profile")
        assert "Request purchaser removal" not in profile.text
        page = await client.get(FORM)
        assert page.status_code == 409
        assert "no purchaser is assigned" in page.text.lower()
        posted = await client.post(FORM, data={"csrf_token": csrf(profile)})
        assert posted.status_code == 409
