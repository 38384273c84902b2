"""The service desk in a browser: a contact raises a ticket, the service team finds it in its
list by status, takes it with Assign to me and answers; the contact resolves it."""

from playwright.async_api import expect

from tests.browser.people import People
from tests.browser.test_profile_change import SAM, email_of, signed_in
from tests.conftest import Stack


async def test_a_ticket_is_taken_answered_and_resolved(people: People, stack: Stack) -> None:
    derek = await signed_in(people, stack, "Derek", email_of(stack, "Derek"))
    page = derek.page
    await page.get_by_role("link", name="Tickets", exact=True).click()
    await derek.click_button("Raise ticket")
    await page.get_by_label("Subject", exact=True).fill("Invoice copy")
    await page.get_by_label("Description", exact=True).fill("Please resend invoice 42.")
    await derek.click_button("Raise ticket")
    await expect(page.get_by_role("status")).to_contain_text("Your ticket is raised")
    main = page.get_by_role("main")
    await expect(main).to_contain_text("Waiting for the service team")
    await expect(main).to_contain_text("Unassigned")
    await expect(page.get_by_role("button", name="Resolve", exact=True)).to_be_visible()
    await derek.check()
    ticket = page.url.split("?")[0]

    sam = await signed_in(people, stack, "Sam", SAM)
    await sam.page.get_by_role("link", name="Tickets", exact=True).click()
    listed = sam.page.get_by_role("main")
    await expect(listed).to_contain_text("Waiting for the service team (1)")
    await expect(sam.page.get_by_role("columnheader", name="Due")).to_be_visible()
    await expect(listed).to_contain_text("left")
    await sam.check()
    await sam.page.get_by_label("Owner", exact=True).select_option("unassigned")
    await sam.click_button("Show tickets")
    await expect(listed).to_contain_text("Invoice copy")
    await sam.check()

    async with sam.page.expect_navigation():
        await sam.page.get_by_role("link", name=ticket.rsplit("/", 1)[-1]).click()
    await sam.click_button("Assign to me")
    await expect(sam.page.get_by_role("status")).to_contain_text("The ticket's owner is changed")
    await expect(sam.page.get_by_role("main")).to_contain_text("Sam Service")
    await sam.check()
    await sam.page.get_by_label("Your reply", exact=True).fill("Sent again this morning.")
    await sam.click_button("Reply")
    await expect(sam.page.get_by_role("main")).to_contain_text("Waiting for the customer")
    await sam.check()
    await sam.goto("/portal/tickets?owner=mine")
    await expect(sam.page.get_by_role("main")).to_contain_text("Invoice copy")

    await derek.goto(ticket)
    await derek.click_button("Resolve")
    await expect(page.get_by_role("status")).to_contain_text("The ticket is resolved")
    await expect(main).to_contain_text("Resolved")
    await expect(page.get_by_role("button", name="Resolve", exact=True)).to_have_count(0)
    await derek.check()
