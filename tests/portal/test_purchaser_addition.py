"""The purchaser-addition form over real HTTP: Management files an addition that the API
then shows; Add purchaser contact posts the form back with one more row; a refused form
tells every problem beside its field, input kept; only Management and Cust Admin of a
customer without a purchaser get the form."""

import re
from typing import Any

import httpx

from tests.conftest import Stack
from tests.e2e.profile import request_rows
from tests.e2e.purchaser import FORM, PAULA, PERCY, PURCHASER, URSULA, assign_purchaser
from tests.portal.test_purchaser_removal import email_of, signed_in
from tests.portal.test_requests import csrf

PAGE = "/portal/purchaser/addition"
FILED = re.compile(r"^/portal/requests/([0-9a-f-]{36})\?done=filed$")


def posted(token: str, form: dict[str, Any] = FORM) -> dict[str, Any]:
    """``form`` (the API's JSON) as the portal's form posts it."""
    data: dict[str, Any] = {
        "csrf_token": token,
        "purchaser.name": form["purchaser"]["name"],
        "responsibility": form["responsibility"],
        "rows": str(len(form["contacts"])),
    }
    for part, value in form["purchaser"]["address"].items():
        data[f"purchaser.address.{part}"] = value
    for index, contact in enumerate(form["contacts"]):
        for part in ("first_name", "last_name", "email", "phone"):
            data[f"contacts.{index}.{part}"] = contact.get(part) or ""
        data[f"contacts.{index}.roles"] = contact["roles"]
    for side, approver in form["approvers"].items():
        data[f"approvers.{side}.name"] = approver["name"]
        data[f"approvers.{side}.email"] = approver["email"]
    return data


async def test_the_form_files_an_addition_the_api_shows(stack: Stack) -> None:
    async with signed_in(stack, "Derek") as client:
        profile = await client.get("/portal/profile")
        assert profile.status_code == 200
        assert f'action="{PAGE}"' in profile.text and "Request purchaser addition" in profile.text
        page = await client.get(PAGE)
        assert page.status_code == 200, page.text
        for label in (
            "Purchaser name",
            "Purchaser street",
            "Purchaser city",
            "Purchaser postal code",
            "Purchaser country",
            "Responsibility",
            "Purchaser contact first name",
            "Purchaser contact last name",
            "Purchaser contact email",
            "Purchaser contact phone",
            "Financial for purchaser contact",
            "Purchaser for purchaser contact",
            "Customer approver name",
            "Customer approver email",
            "Purchaser approver name",
            "Purchaser approver email",
        ):
            assert f">{label}</label>" in page.text, label
        assert "Purchaser contact 2" not in page.text
        # Before a responsibility is chosen: what each would take from the customer's contacts.
        losses = page.text.split("by responsibility</caption>", 1)[1].split("</table>", 1)[0]
        assert re.search(r"Financial</th>\s*<td>Teresa Echie loses Financial<br>Ursula Ser", losses)
        assert "Ursula Ser loses Financial, Agreement" in losses
        assert "Derek" not in losses
        filed = await client.post(PAGE, data=posted(csrf(page)))
        assert filed.status_code == 303, filed.text
        found = FILED.match(filed.headers["location"])
        assert found, filed.headers["location"]
        shown = await client.get(filed.headers["location"])
        assert shown.status_code == 200
        assert PURCHASER["name"] in shown.text and PAULA["email"] in shown.text
        assert PERCY["email"] in shown.text
    request = await stack.wait_for_request(found.group(1), lambda r: r["ticket_number"] is not None)
    assert request["kind"] == "purchaser_addition"
    requested = request["requested"]
    assert requested["purchaser"] == FORM["purchaser"]
    assert requested["responsibility"] == FORM["responsibility"]
    assert requested["contacts"] == FORM["contacts"]
    for side, approver in FORM["approvers"].items():
        assert {k: requested["approvers"][side][k] for k in ("name", "email")} == approver
    answer = await stack.http.get(f"/requests/{request['id']}", headers=stack.auth("Derek"))
    assert answer.status_code == 200 and answer.json()["kind"] == "purchaser_addition"


async def test_add_purchaser_contact_numbers_the_next_row(stack: Stack) -> None:
    async with signed_in(stack, "Derek") as client:
        page = await client.get(PAGE)
        data = posted(csrf(page)) | {"add_row": "1"}
        again = await client.post(PAGE, data=data)
        assert again.status_code == 200, again.text
        text = again.text
        assert "nothing was sent" not in text
        assert 'name="rows" value="2"' in text
        for label in ("first name", "last name", "email", "phone"):
            assert f">Purchaser contact 2 {label}</label>" in text, label
        assert ">Financial for purchaser contact 2</label>" in text
        assert f'value="{PAULA["email"]}"' in text and f'value="{PERCY["email"]}"' in text
        assert 'value="financial" checked' in text
        assert 'name="contacts.1.first_name" value=""' in text
        # The chosen responsibility's losses alone.
        assert "With Financial responsibility" in text
        assert "Teresa Echie loses Financial" in text and "Ursula Ser loses Financial" in text
        assert "Ursula Ser loses Financial, Agreement" not in text
        assert "by responsibility</caption>" not in text
        # The added row left blank is no contact: the addition is filed with Paula alone.
        filed = await client.post(PAGE, data=posted(csrf(page)) | {"rows": "2"})
        assert filed.status_code == 303, filed.text


async def refused(client: httpx.AsyncClient, page: httpx.Response, form: dict[str, Any]) -> str:
    answer = await client.post(PAGE, data=posted(csrf(page), form))
    assert answer.status_code == 422, answer.text
    assert "nothing was sent" in answer.text
    return answer.text


async def test_a_refused_form_says_every_problem_beside_its_field(stack: Stack) -> None:
    form = FORM | {
        "contacts": [PAULA | {"email": "not-an-email"}],
        "approvers": {"customer": {"name": "", "email": ""}, "purchaser": PERCY},
    }
    async with signed_in(stack, "Derek") as client:
        page = await client.get(PAGE)
        text = await refused(client, page, form)
        assert "There are 3 problems" in text, text
        assert "Enter the customer approver name." in text
        assert "Enter the customer approver email." in text
        assert 'href="#f-contacts-0-email"' in text
        assert 'id="f-contacts-0-email-error"' in text
        assert text.count('aria-invalid="true"') == 3
        assert 'name="contacts.0.email" value="not-an-email"' in text
        assert f'value="{PAULA["first_name"]}"' in text and f'value="{PERCY["email"]}"' in text

        # The rules' problems, too, beside the row they are about.
        taken = FORM | {
            "contacts": [PAULA | {"email": URSULA["email"], "roles": ["agreement"]}],
        }
        text = await refused(client, page, taken)
        assert 'id="f-contacts-0-email-error">This email is already used' in text
        assert 'id="f-contacts-0-roles-error">Agreement cannot be held' in text
        assert 'id="f-contacts-error">No purchaser contact holds Financial' in text

        # The issue's example, as the API answers it: the schema's and the rules' problems
        # at once (a malformed contact email, the responsibility's role held by no contact,
        # the requester as an approver).
        derek = {"name": "Derek Emonstration", "email": email_of(stack, "Derek").upper()}
        example = FORM | {
            "contacts": [PAULA | {"email": "paula.payer@", "roles": ["purchaser"]}],
            "approvers": {"customer": derek, "purchaser": PERCY},
        }
        text = await refused(client, page, example)
        assert "There are 3 problems" in text, text
        assert 'id="f-contacts-0-email-error">' in text
        assert 'name="contacts.0.email" value="paula.payer@"' in text
        assert 'id="f-contacts-error">No purchaser contact holds Financial' in text
        assert (
            'id="f-approvers-customer-email-error">The requester may not approve their own' in text
        )
    assert await request_rows(stack) == 0


async def test_only_requesters_of_a_customer_without_a_purchaser(stack: Stack) -> None:
    async with signed_in(stack, "Timothy") as client:
        assert (await client.get(PAGE)).status_code == 403
        profile = await client.get("/portal/profile")
        assert profile.status_code == 200 and "Request purchaser addition" not in profile.text
        refused = await client.post(PAGE, data=posted(csrf(profile)))
        assert refused.status_code == 403

    await assign_purchaser(stack)
    async with signed_in(stack, "Derek") as client:
        profile = await client.get("/portal/profile")
        assert "Request purchaser addition" not in profile.text
        page = await client.get(PAGE)
        assert page.status_code == 409
        assert "already assigned" in page.text
        refused = await client.post(PAGE, data=posted(csrf(profile)))
        assert refused.status_code == 409
