"""A purchaser removal in the browser: Derek opens the form from the profile, gives the
purchaser's Financial back to Teresa, names Ursula to approve, and lands on the request."""

import re

from playwright.async_api import expect

from tests.conftest import Stack
from tests.e2e.purchaser import PURCHASER, URSULA, assign_purchaser
from tests.portal.people import People
from tests.portal.test_profile_change import email_of, signed_in


async def test_a_purchaser_removal_from_the_profile(people: People, stack: Stack) -> None:
    await assign_purchaser(stack)
    derek = await signed_in(people, stack, "Derek", email_of(stack, "Derek"))
    page = derek.page
    await page.get_by_role("link", name="Profile", exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Profile")
    await expect(page.get_by_role("main")).to_contain_text(PURCHASER["name"])
    await derek.check()
    await derek.click_button("Request purchaser removal")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Request purchaser removal")
    await expect(page.get_by_role("main")).to_contain_text(PURCHASER["name"])
    await derek.check()
    await page.get_by_label("New holder of Financial", exact=True).select_option(
        label="Teresa Echie"
    )
    await page.get_by_label("Customer approver name", exact=True).fill(URSULA["name"])
    await page.get_by_label("Customer approver email", exact=True).fill(URSULA["email"])
    await derek.click_button("Request purchaser removal")
    await expect(page.get_by_role("status")).to_contain_text("Your request is filed")
    assert re.search(r"/portal/requests/[0-9a-f-]{36}\?done=filed$", page.url), page.url
    await expect(page.get_by_role("main")).to_contain_text(URSULA["email"])
    await derek.check()
