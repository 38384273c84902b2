"""The service team's own notes in a browser: Sam adds an internal note on a ticket and a
note on its customer, and reads the messages sent to the customer's people; Teresa, who
raised the ticket, sees none of it. Every page passes the checks at both widths."""

import re

from playwright.async_api import expect

from tests.browser.people import People
from tests.browser.test_profile_change import SAM, email_of, signed_in
from tests.conftest import Stack
from tests.e2e.test_conversation import TERESA, comment, to
from tests.e2e.test_purchaser_removal import raise_ticket

INTERNAL = "Teresa prefers a call to an email."
ON_CUSTOMER = "Renewal talks start in March."


async def test_sam_notes_a_ticket_and_its_customer_and_reads_the_messages_sent(
    people: People, stack: Stack
) -> None:
    number = await raise_ticket(stack, stack.auth("Teresa"), "Invoice address", False)
    assert (await comment(stack, number, "Sam", "Which invoice?")).status_code == 201
    await stack.wait_for_mail(to(TERESA, "Which invoice?"))

    sam = await signed_in(people, stack, "Sam", SAM)
    page = sam.page
    await sam.goto(f"/portal/tickets/{number}")
    await expect(
        page.get_by_text("Internal note — only the service team sees this")
    ).to_be_visible()
    await sam.click_button("Add internal note")
    await expect(page.get_by_text("Write the note before adding it.")).to_be_visible()
    await expect(page.get_by_label("Internal note", exact=True)).to_have_attribute(
        "aria-invalid", "true"
    )
    await sam.check()
    await page.get_by_label("Internal note", exact=True).fill(INTERNAL)
    await sam.click_button("Add internal note")
    await expect(page.get_by_role("status")).to_contain_text("Your note is added")
    notes = page.get_by_role("list", name=re.compile(f"Internal notes on ticket {number}"))
    await expect(notes.get_by_role("listitem")).to_have_count(1)
    await expect(notes).to_contain_text(INTERNAL)
    await expect(notes).to_contain_text("Sam Service")
    await expect(page.get_by_role("list", name=re.compile("Conversation"))).not_to_contain_text(
        INTERNAL
    )
    await sam.check()

    await page.get_by_role("link", name="Customers", exact=True).click()
    await page.get_by_role("link", name="Example Energy plc").click()
    await page.wait_for_load_state()
    await expect(page.get_by_role("heading", name="Customer notes")).to_be_visible()
    await expect(page.get_by_text("No notes yet.")).to_be_visible()
    await page.get_by_label("Customer note", exact=True).fill(ON_CUSTOMER)
    await sam.click_button("Add note")
    await expect(page.get_by_role("status")).to_contain_text("Your note is added")
    on_customer = page.get_by_role("list", name=re.compile("Customer notes, newest first"))
    await expect(on_customer).to_contain_text(ON_CUSTOMER)
    await expect(on_customer).to_contain_text("Sam Service")
    await expect(page.get_by_role("heading", name="Messages sent")).to_be_visible()
    sent = page.get_by_role("region", name=re.compile("Emails sent to the contacts and approvers"))
    reply = sent.get_by_role("row", name=re.compile(re.escape(TERESA)))
    await expect(reply).to_contain_text("Service team's reply on a ticket")
    await expect(reply).to_contain_text(f"[{number}] The service team replied to your ticket")
    await sam.check()

    teresa = await signed_in(people, stack, "Teresa", email_of(stack, "Teresa"))
    await teresa.goto(f"/portal/tickets/{number}")
    await expect(teresa.page.get_by_role("main")).to_contain_text("Which invoice?")
    await expect(teresa.page.get_by_text(INTERNAL)).to_have_count(0)
    await expect(teresa.page.get_by_label("Internal note")).to_have_count(0)
    await teresa.check()
