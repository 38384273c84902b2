"""Copying a colleague on a ticket in the browser: the raiser chooses them under Copy a
contact and presses Copy; the colleague follows the link in the email telling them so; the
raiser then takes them off with Remove <name>."""

import re

from playwright.async_api import expect

from tests.browser.people import People, link_in_mail
from tests.browser.test_profile_change import email_of, signed_in
from tests.conftest import Stack
from tests.e2e.test_purchaser_removal import raise_ticket

TICKET_LINK = re.compile(r"/portal/tickets/SO-\d+$")


async def test_the_raiser_copies_a_colleague_then_removes_them(
    people: People, stack: Stack
) -> None:
    number = await raise_ticket(stack, stack.auth("Timothy"), "Second screen", False)
    timothy = await signed_in(people, stack, "Timothy", email_of(stack, "Timothy"))
    page = timothy.page
    await timothy.goto(f"/portal/tickets/{number}")
    copied = page.get_by_role("region", name=f"Contacts copied on ticket {number}")
    await expect(page.get_by_text("Nobody is copied on this ticket.")).to_be_visible()
    await timothy.check()

    await page.get_by_label("Copy a contact", exact=True).select_option(
        label="Teresa Echie (Example Energy plc)"
    )
    await timothy.click_button("Copy")
    await expect(page.get_by_role("status")).to_contain_text("The contact is copied")
    await expect(copied.get_by_role("row", name=re.compile("Teresa Echie"))).to_contain_text(
        "Example Energy plc"
    )
    await timothy.check()

    # Teresa is told, and the email's link opens the ticket, where she finds herself copied.
    link = await link_in_mail(
        stack, email_of(stack, "Teresa"), TICKET_LINK, subject="You are copied on a ticket"
    )
    teresa = await signed_in(people, stack, "Teresa", email_of(stack, "Teresa"))
    await teresa.goto(link)
    await expect(teresa.page.get_by_role("heading", name="Second screen")).to_be_visible()
    mine = teresa.page.get_by_role("region", name=f"Contacts copied on ticket {number}")
    await expect(mine.get_by_role("row", name=re.compile("Teresa Echie"))).to_be_visible()
    await expect(teresa.page.get_by_label("Copy a contact")).to_have_count(0)
    await teresa.check()

    await timothy.click_button("Remove Teresa Echie")
    await expect(page.get_by_role("status")).to_contain_text("no longer copied")
    await expect(page.get_by_text("Nobody is copied on this ticket.")).to_be_visible()
    await expect(page.get_by_role("button", name="Remove Teresa Echie")).to_have_count(0)
    await timothy.check()
