"""A ticket's Copied contacts on its page over real HTTP, signed in as people are: the raiser
copies a colleague and takes them off; a wrong choice is said beside the field; a contact who
may not copy sees who is copied, and no form."""

import html
import re

import httpx

from api.services.ticket_participants import NOT_COPYABLE
from tests.conftest import Stack
from tests.e2e.test_contact_change import contact_id
from tests.e2e.test_purchaser_removal import raise_ticket
from tests.portal.test_tickets import hidden, post_form, signed_in

TIMOTHY = "timothy.ester@energy.example.com"
URSULA = "ursula.ser@energy.example.com"
SELECT = re.compile(r'<select id="copy-contact" name="contact_id"[^>]*>(.*?)</select>', re.S)


def offered(page: httpx.Response) -> list[str]:
    """The names the Copy a contact choice offers, as a person reads them."""
    found = SELECT.search(page.text)
    assert found, "no Copy a contact choice"
    options = re.findall(r'<option value="([^"]*)">([^<]*)</option>', found.group(1))
    return [html.unescape(label) for value, label in options if value]


async def test_the_raiser_copies_a_colleague_and_takes_them_off(stack: Stack) -> None:
    number = await raise_ticket(stack, stack.auth("Timothy"), "New laptop", False)
    path = f"/portal/tickets/{number}"
    teresa = contact_id(stack, "Teresa")
    async with signed_in(stack, TIMOTHY) as timothy:
        page = await timothy.get(path)
        assert page.status_code == 200
        assert "Copied contacts" in page.text and "Nobody is copied on this ticket." in page.text
        assert '<label for="copy-contact">Copy a contact</label>' in page.text
        # His colleagues, by name and organisation; neither himself nor another customer's.
        assert offered(page) == [
            "Derek Emonstration (Example Energy plc)",
            "Teresa Echie (Example Energy plc)",
            "Ursula Ser (Example Energy plc)",
        ]

        nothing = await post_form(timothy, path, f"{path}/participants", {"contact_id": ""})
        assert nothing.status_code == 422
        assert '<p class="field-error" id="copy-contact-error">Choose the contact to copy.' in (
            nothing.text
        )
        assert 'aria-invalid="true" aria-describedby="copy-contact-error"' in nothing.text
        olive = contact_id(stack, "Olive", customer=1)
        theirs = await post_form(timothy, path, f"{path}/participants", {"contact_id": olive})
        assert theirs.status_code == 422
        assert html.escape(NOT_COPYABLE[1:], quote=True) in theirs.text
        assert "Olive" not in theirs.text

        copied = await post_form(timothy, path, f"{path}/participants", {"contact_id": teresa})
        assert copied.status_code == 303, copied.text
        assert copied.headers["location"] == f"{path}?done=copied"
        page = await timothy.get(copied.headers["location"])
        assert "The contact is copied on the ticket" in page.text
        assert '<th scope="row">Teresa Echie</th>' in page.text
        assert "<td>Example Energy plc</td>" in page.text
        assert ">Remove Teresa Echie</button>" in page.text
        assert "Teresa Echie (Example Energy plc)" not in offered(page)

        remove = f"{path}/participants/{teresa}/remove"
        removed = await timothy.post(remove, data=hidden(page))
        assert removed.status_code == 303 and removed.headers["location"] == f"{path}?done=uncopied"
        # Sent again (the button pressed twice): she is off already, and it says so again.
        again = await timothy.post(remove, data=hidden(page))
        assert again.status_code == 303 and again.headers["location"] == f"{path}?done=uncopied"
        page = await timothy.get(again.headers["location"])
        assert "The contact is no longer copied on the ticket." in page.text
        assert "Nobody is copied on this ticket." in page.text
    api = await stack.http.get(f"/tickets/{number}", headers=stack.auth("Timothy"))
    assert api.json()["participants"] == []


async def test_a_contact_who_may_not_copy_sees_who_is_copied_and_no_form(stack: Stack) -> None:
    number = await raise_ticket(stack, stack.auth("Timothy"), "Desk move", False)
    copied = await stack.http.post(
        f"/tickets/{number}/participants",
        json={"contact_id": contact_id(stack, "Teresa")},
        headers=stack.auth("Timothy"),
    )
    assert copied.status_code == 201, copied.text
    path = f"/portal/tickets/{number}"
    async with signed_in(stack, URSULA) as ursula:
        page = await ursula.get(path)
        assert '<th scope="row">Teresa Echie</th>' in page.text
        assert "Copy a contact" not in page.text and "Remove Teresa Echie" not in page.text
        refused = await ursula.post(
            f"{path}/participants",
            data={**hidden(page), "contact_id": contact_id(stack, "Derek")},
        )
        assert refused.status_code == 403
        refused = await ursula.post(
            f"{path}/participants/{contact_id(stack, 'Teresa')}/remove", data=hidden(page)
        )
        assert refused.status_code == 403
    shown = await stack.http.get(f"/tickets/{number}", headers=stack.auth("Timothy"))
    assert [p["name"] for p in shown.json()["participants"]] == ["Teresa Echie"]
