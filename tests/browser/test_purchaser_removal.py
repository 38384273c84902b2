"""A purchaser removal in the browser, to its end: Derek opens the form from the profile,
gives the purchaser's Financial back to Teresa and names Ursula to approve; Ursula approves
from her emailed link; Sam implements it from the queue; Derek's profile has no purchaser
left, and his Contacts page shows Financial with Teresa and none of the purchaser's
contacts."""

import re

from playwright.async_api import expect

from tests.browser.people import People
from tests.browser.test_profile_change import SAM, email_of, signed_in
from tests.browser.test_purchaser_addition import approve, implement_from_the_queue
from tests.conftest import Stack
from tests.e2e.purchaser import PAULA, PURCHASER, URSULA, assign_purchaser


async def test_a_purchaser_removal_filed_approved_and_implemented(
    people: People, stack: Stack
) -> None:
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
    request_page = page.url.split("?")[0]

    await approve(await people("Ursula", URSULA["email"]), stack)
    await implement_from_the_queue(await signed_in(people, stack, "Sam", SAM), request_page)

    await derek.goto("/portal/profile")
    main = page.get_by_role("main")
    await expect(main).to_contain_text("No purchaser organisation is assigned")
    await expect(main).not_to_contain_text(PURCHASER["name"])
    await expect(page.get_by_role("button", name="Request purchaser removal")).to_have_count(0)
    await derek.check()
    await page.get_by_role("link", name="Contacts", exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Contacts")
    await expect(page.get_by_label("Financial for Teresa Echie", exact=True)).to_be_checked()
    await expect(page.get_by_label("Financial for Ursula Ser", exact=True)).not_to_be_checked()
    for trace in (PAULA["first_name"], PAULA["last_name"], PAULA["email"], PURCHASER["name"]):
        await expect(main).not_to_contain_text(trace)
    await derek.check()
