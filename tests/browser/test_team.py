"""The team's page in a browser: Sam, a team admin, adds a member through the form (a
problem shown beside its field first), and deactivates Alice after the page that asks;
every page passes the checks at both widths."""

import re

from playwright.async_api import expect

from tests.browser.people import People
from tests.browser.test_profile_change import SAM, email_of, signed_in
from tests.conftest import Stack


async def test_sam_adds_a_member_and_deactivates_alice(people: People, stack: Stack) -> None:
    sam = await signed_in(people, stack, "Sam", SAM)
    page = sam.page
    await page.get_by_role("link", name="Team", exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Team")
    members = page.get_by_role("table", name=re.compile("The service team"))
    await expect(members.get_by_role("row", name=re.compile("Alice Agent"))).to_contain_text(
        "Member"
    )
    await sam.check()

    await page.get_by_label("Name", exact=True).fill("Bob Builder")
    await page.get_by_label("Email", exact=True).fill(email_of(stack, "Derek"))
    await page.get_by_label("Team admin").check()
    await sam.click_button("Add to the team")
    await expect(page.get_by_text("This email is already used by another account.")).to_have_count(
        2
    )
    await expect(page.get_by_label("Name", exact=True)).to_have_value("Bob Builder")
    await expect(page.get_by_label("Team admin")).to_be_checked()
    await sam.check()

    await page.get_by_label("Email", exact=True).fill("bob.builder@signoff.example.com")
    await sam.click_button("Add to the team")
    await expect(page.get_by_role("status")).to_contain_text("The new member is on the team.")
    bob = members.get_by_role("row", name=re.compile("Bob Builder"))
    await expect(bob).to_contain_text("Team admin")
    await sam.check()

    await sam.click_button("Deactivate Alice Agent")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Deactivate Alice Agent?")
    await expect(page.get_by_role("link", name="No, back to the team")).to_be_visible()
    await sam.check()
    await sam.click_button("Yes, deactivate Alice Agent")
    await expect(page.get_by_role("status")).to_contain_text("The member is deactivated")
    alice = members.get_by_role("row", name=re.compile("Alice Agent"))
    await expect(alice).to_contain_text("Deactivated")
    await expect(page.get_by_role("button", name="Deactivate Alice Agent")).to_have_count(0)
    await sam.check()
    assert (await stack.http.get("/tickets", headers=stack.auth("Alice"))).status_code == 401
