"""Archive customer in the portal over real HTTP: the form is the team admins' only; it asks
first on a page of its own that says what will happen; a missing reason or an open request
comes back on the customer's page with what was typed; confirmed, the customer is archived
and its pages say so."""

import html
import re
import uuid

import httpx

from models.customer import Customer
from tests.conftest import Stack
from tests.e2e.profile import NEW_LEGAL, customer_row, submitted
from tests.portal.test_requests import csrf, sam
from tests.portal.test_sign_in import browser, sign_in

ENERGY = "Example Energy plc"
REASON = "Contract ended on 31 March.\nThe customer moved to another provider."
FORM = '<label for="f-reason">Reason</label>'
BUTTON = ">Archive customer</button>"


def alice(stack: Stack) -> str:
    return str(stack.demo["staff"][1]["email"])


def page_of(stack: Stack) -> str:
    return f"/portal/customers/{stack.customer_id}"


async def post_archive(stack: Stack, client: httpx.AsyncClient, **fields: str) -> httpx.Response:
    """The customer page's form (or, with ``confirm="yes"``, the confirmation's) as sent."""
    page = await client.get(page_of(stack))
    assert page.status_code == 200, page.text
    return await client.post(f"{page_of(stack)}/archive", data={"csrf_token": csrf(page), **fields})


async def archived(stack: Stack) -> Customer:
    return await customer_row(stack)


async def test_the_form_is_for_team_admins_only(stack: Stack) -> None:
    async with browser(stack) as admin, browser(stack) as member:
        await sign_in(stack, admin, sam(stack))
        await sign_in(stack, member, alice(stack))
        shown = await admin.get(page_of(stack))
        assert shown.status_code == 200
        assert FORM in shown.text and BUTTON in shown.text
        assert 'id="archive-heading">Archive customer</h2>' in shown.text

        hidden = await member.get(page_of(stack))
        assert hidden.status_code == 200
        assert FORM not in hidden.text and BUTTON not in hidden.text
        for fields in ({"reason": REASON}, {"reason": REASON, "confirm": "yes"}):
            refused = await post_archive(stack, member, **fields)
            assert refused.status_code == 403, refused.text
            assert "team admin may archive" in refused.text
    assert (await archived(stack)).archived_at is None


async def test_archiving_asks_first_then_archives(stack: Stack) -> None:
    derek_token = stack.auth("Derek")
    async with browser(stack) as admin:
        await sign_in(stack, admin, sam(stack))
        asked = await post_archive(stack, admin, reason=REASON)
        assert asked.status_code == 200, asked.text
        text = html.unescape(asked.text)
        assert f"<h1>Archive {ENERGY}?</h1>" in text
        assert "(4 in all) loses their account" in text
        assert "Their personal data is erased" in text
        assert "legal record stays" in text and "audit trail" in text
        assert "cannot be undone" in text
        assert REASON in text
        assert '<input type="hidden" name="confirm" value="yes">' in text
        assert BUTTON in text
        assert f'<a href="{page_of(stack)}">No, back to {ENERGY}</a>' in text
        # Asking changed nothing.
        assert (await archived(stack)).archived_at is None
        still = await stack.http.get(f"/customers/{stack.customer_id}", headers=derek_token)
        assert still.status_code == 200

        reason = re.search(r'name="reason" value="([^"]*)"', asked.text)
        assert reason is not None and html.unescape(reason.group(1)) == REASON
        done = await admin.post(
            f"{page_of(stack)}/archive",
            data={"csrf_token": csrf(asked), "reason": REASON, "confirm": "yes"},
        )
        assert done.status_code == 303, done.text
        assert done.headers["location"] == f"{page_of(stack)}?done=archived"

        page = await admin.get(done.headers["location"])
        text = html.unescape(page.text)
        assert "The customer is archived" in text
        row = await archived(stack)
        assert row.archived_at is not None and row.archive_reason == REASON
        on = row.archived_at.strftime("%d %b %Y")
        assert f"Archived on {on}</h2>" in text and REASON in text
        assert FORM not in text and BUTTON not in text
        assert "No contacts." in text and "Customer archived" in text
        assert "Act for this customer" not in text

        listed = html.unescape((await admin.get("/portal/customers")).text)
        assert f"Archived on {on}" in listed

        again = await admin.post(
            f"{page_of(stack)}/archive",
            data={"csrf_token": csrf(page), "reason": REASON, "confirm": "yes"},
        )
        assert again.status_code == 409
        assert "This customer is archived." in again.text
    gone = await stack.http.get(f"/customers/{stack.customer_id}", headers=derek_token)
    assert gone.status_code == 401


async def test_a_refusal_comes_back_on_the_page_with_what_was_typed(stack: Stack) -> None:
    async with browser(stack) as admin:
        await sign_in(stack, admin, sam(stack))
        for fields in ({"reason": "  "}, {"reason": "  ", "confirm": "yes"}):
            empty = await post_archive(stack, admin, **fields)
            assert empty.status_code == 422, empty.text
            assert "Enter the reason for archiving the customer." in empty.text
            assert 'aria-invalid="true"' in empty.text and FORM in empty.text
        long = "x" * 1001
        too_long = await post_archive(stack, admin, reason=long)
        assert too_long.status_code == 422
        assert "at most 1000 characters" in too_long.text and long in too_long.text

        await submitted(stack, legal=NEW_LEGAL)
        for fields in ({"reason": REASON}, {"reason": REASON, "confirm": "yes"}):
            open_request = await post_archive(stack, admin, **fields)
            assert open_request.status_code == 409, open_request.text
            text = html.unescape(open_request.text)
            assert "A request of this customer is open" in text
            assert f">{REASON}</textarea>" in text
        missing = await admin.post(
            f"/portal/customers/{uuid.uuid4()}/archive",
            data={"csrf_token": csrf(open_request), "reason": REASON},
        )
        assert missing.status_code == 404
    assert (await archived(stack)).archived_at is None


async def test_contacts_find_no_archive_form(stack: Stack) -> None:
    async with browser(stack) as contact:
        await sign_in(stack, contact, "derek.emonstration@energy.example.com")
        profile = await contact.get("/portal/profile")
        answer = await contact.post(
            f"{page_of(stack)}/archive",
            data={"csrf_token": csrf(profile), "reason": REASON, "confirm": "yes"},
        )
        assert answer.status_code == 404
    assert (await archived(stack)).archived_at is None
