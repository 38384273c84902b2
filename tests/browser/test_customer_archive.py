"""Archive customer in a browser: Sam gives a reason on the customer's page, is asked first
on a page of its own, confirms, and sees the customer archived; every page passes the
checks."""

import re

from playwright.async_api import expect

from tests.browser.people import People
from tests.browser.test_profile_change import SAM, signed_in
from tests.conftest import Stack

REASON = "Contract ended; the customer moved to another provider."


async def test_sam_archives_a_customer_after_confirming(people: People, stack: Stack) -> None:
    sam = await signed_in(people, stack, "Sam", SAM)
    page = sam.page
    await page.goto(f"{stack.settings.public_url}/portal/customers/{stack.customer_id}")
    await expect(page.get_by_role("heading", level=2, name="Archive customer")).to_be_visible()

    await sam.click_button("Archive customer")
    await expect(page.get_by_role("alert")).to_contain_text("Enter the reason")
    await expect(page.get_by_label("Reason")).to_have_attribute("aria-invalid", "true")
    await sam.check()

    await page.get_by_label("Reason").fill(REASON)
    await sam.click_button("Archive customer")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Archive Example Energy plc?")
    await expect(page.get_by_text("Archiving cannot be undone.")).to_be_visible()
    await expect(page.get_by_role("link", name="No, back to Example Energy plc")).to_be_visible()
    await sam.check()

    await sam.click_button("Archive customer")
    await expect(page.get_by_role("status")).to_contain_text("The customer is archived")
    await expect(page.get_by_role("heading", name=re.compile("^Archived on "))).to_be_visible()
    await expect(page.get_by_text(REASON)).to_be_visible()
    await expect(page.get_by_role("button", name="Archive customer")).to_have_count(0)
    await sam.check()
