"""A ticket conversation between a contact and the service team, each following the link in
their email; and an API token made on its page, used with curl, then revoked."""

import asyncio
import json
import re

from playwright.async_api import expect

from tests.browser.people import SIGN_IN_LINK, People, link_in_mail
from tests.browser.test_profile_change import SAM, email_of, signed_in
from tests.conftest import Stack

TICKET_LINK = re.compile(r"/portal/tickets/SO-\d+$")


async def test_a_ticket_conversation_through_the_emailed_links(
    people: People, stack: Stack
) -> None:
    teresa = await signed_in(people, stack, "Teresa", email_of(stack, "Teresa"))
    page = teresa.page
    await page.get_by_role("link", name="Tickets", exact=True).click()
    await teresa.check()
    await teresa.click_button("Raise ticket")
    await teresa.check()
    await page.get_by_label("Subject", exact=True).fill("Invoice address")
    await page.get_by_label("Description", exact=True).fill("Which address goes on invoices?")
    await teresa.click_button("Raise ticket")
    await expect(page.get_by_role("status")).to_contain_text("Your ticket is raised")
    await expect(page.get_by_role("main")).to_contain_text("Which address goes on invoices?")
    await teresa.check()
    number = page.url.split("?")[0].rsplit("/", 1)[-1]

    # Sam, not signed in, follows the link in the service team's email: he signs in with
    # his own address first, then lands on the ticket.
    sam = await people("Sam", SAM)
    sent = max((m.id for m in stack.mail.messages), default=0)
    ticket_link = await link_in_mail(
        stack, stack.settings.service_team_email, TICKET_LINK, subject="raised a ticket"
    )
    assert ticket_link.endswith(f"/portal/tickets/{number}")
    await sam.goto(ticket_link)
    await expect(sam.page.get_by_role("heading", level=1)).to_have_text("Sign in")
    await sam.check()
    await sam.page.get_by_label("Email", exact=True).fill(SAM)
    await sam.click_button("Send sign-in link")
    await sam.check()
    await sam.goto(await link_in_mail(stack, SAM, SIGN_IN_LINK, after=sent))
    await sam.click_button("Sign in")
    assert sam.page.url.split("?")[0] == ticket_link
    await expect(sam.page.get_by_role("main")).to_contain_text("Which address goes on invoices?")
    await sam.check()
    await sam.page.get_by_label("Your reply", exact=True).fill("The payment address.")
    await sam.click_button("Reply")
    await expect(sam.page.get_by_role("status")).to_contain_text("Your reply is added")
    await sam.check()

    reply_link = await link_in_mail(
        stack, email_of(stack, "Teresa"), TICKET_LINK, subject="The service team replied"
    )
    await teresa.goto(reply_link)
    await expect(page.get_by_role("main")).to_contain_text("The payment address.")
    await page.get_by_label("Your reply", exact=True).fill("Thank you.")
    await teresa.click_button("Reply")
    await expect(page.get_by_role("main")).to_contain_text("Thank you.")
    await teresa.check()

    await sam.goto(f"/portal/tickets/{number}")
    await expect(sam.page.get_by_role("main")).to_contain_text("Thank you.")
    await sam.check()


async def curl(url: str, token: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        "curl",
        "-s",
        "-w",
        "\n%{http_code}",
        "-H",
        f"Authorization: Bearer {token}",
        url,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    body, _, code = out.decode().rpartition("\n")
    return int(code), body


async def test_an_api_token_made_on_its_page_works_with_curl_until_revoked(
    people: People, stack: Stack
) -> None:
    derek = await signed_in(people, stack, "Derek", email_of(stack, "Derek"))
    page = derek.page
    await page.get_by_role("link", name="API tokens", exact=True).click()
    await derek.check()
    await page.get_by_label("Token name", exact=True).fill("Invoice sync")
    await derek.click_button("Create token")
    token = await page.get_by_label("The new token").input_value()
    assert token.startswith("so_")
    await derek.check()
    # Reloading posts the form again: no second token, and this one is not shown again.
    await page.reload()
    await expect(page.get_by_role("heading", name="That token was made already")).to_be_visible()
    await expect(page.get_by_role("row", name=re.compile("Invoice sync"))).to_have_count(1)
    await derek.check()

    url = f"{stack.settings.public_url}/customers/{stack.customer_id}"
    status, body = await curl(url, token)
    assert status == 200 and json.loads(body)["legal"]["name"] == "Example Energy plc"

    await derek.goto("/portal/tokens")
    await expect(page.get_by_text(token)).to_have_count(0)
    row = page.get_by_role("row", name=re.compile("Invoice sync"))
    await row.get_by_role("button", name="Revoke").click()
    await page.wait_for_load_state()
    await expect(page.get_by_role("status")).to_contain_text("revoked")
    await derek.check()
    status, _ = await curl(url, token)
    assert status == 401
