"""The Contacts Manager with a purchaser assigned, in the browser: Derek reads what the
Financial role is, then adds a contact at the purchaser (its organisation limits the roles
offered); Paula, who holds the purchaser's Purchaser role, approves from her emailed link;
Sam implements it; the new contact is among the purchaser's."""

import re

from playwright.async_api import expect

from tests.browser.people import People, follow_link_in_mail
from tests.browser.test_profile_change import SAM, email_of, signed_in
from tests.browser.test_purchaser_addition import APPROVAL_LINK, implement_from_the_queue
from tests.conftest import Stack
from tests.e2e.purchaser import PAULA, PURCHASER, assign_purchaser

PIA = {
    "New contact first name": "Pia",
    "New contact last name": "Purchase",
    "New contact email": "pia.purchase@partners.example.com",
}


async def test_a_contact_added_at_the_purchaser_with_the_purchasers_approval(
    people: People, stack: Stack
) -> None:
    await assign_purchaser(stack)
    derek = await signed_in(people, stack, "Derek", email_of(stack, "Derek"))
    page = derek.page
    await page.get_by_role("link", name="Contacts", exact=True).click()
    await expect(page.get_by_role("heading", name="Contacts Manager")).to_be_visible()
    await page.get_by_role("link", name="About the Financial role").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("The Financial role")
    await expect(page.get_by_role("main")).to_contain_text(
        f"Held only by contacts at the purchaser, {PURCHASER['name']}."
    )
    await derek.check()
    await page.get_by_role("link", name="All roles…").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("All roles")
    await expect(page.get_by_role("heading", name="Procurement")).to_be_visible()
    await derek.check()

    await page.get_by_role("link", name="Contacts", exact=True).click()
    # Paula's row offers only the purchaser's roles; she approves changes to its side.
    await expect(page.get_by_label("Purchaser for Paula Payer", exact=True)).to_be_checked()
    await expect(page.get_by_label("Management for Paula Payer", exact=True)).to_have_count(0)
    await expect(page.get_by_role("main")).to_contain_text("approved by Paula Payer")
    await page.get_by_label("New contact organisation", exact=True).select_option(
        label=f"{PURCHASER['name']} (purchaser)"
    )
    # With the script, the roles the purchaser's contacts may not hold are turned off.
    await expect(page.get_by_label("Management for the new contact", exact=True)).to_be_disabled()
    for label, value in PIA.items():
        await page.get_by_label(label, exact=True).fill(value)
    await page.get_by_label("Purchaser for the new contact", exact=True).check()
    await derek.check()
    await derek.click_button("Request changes")
    await expect(page.get_by_role("status")).to_contain_text("Your request is filed")
    await expect(page.get_by_role("main")).to_contain_text("Paula Payer")
    await derek.check()
    request_page = page.url.split("?")[0]

    paula = await people("Paula", PAULA["email"])
    await follow_link_in_mail(paula, stack, APPROVAL_LINK, subject="approval is requested")
    await expect(paula.page.get_by_role("heading", level=1)).to_have_text(
        "Your approval is requested"
    )
    await expect(paula.page.get_by_role("main")).to_contain_text("Pia")
    await paula.check()
    await paula.click_button("Approve")
    await expect(paula.page.get_by_role("heading", level=1)).to_have_text("Thank you: you approved")
    await paula.check()

    await implement_from_the_queue(await signed_in(people, stack, "Sam", SAM), request_page)

    await derek.goto("/portal/contacts")
    await expect(page.get_by_label("Purchaser for Pia Purchase", exact=True)).to_be_checked()
    pia = page.get_by_role("row", name=re.compile("Pia Purchase"))
    await expect(pia.get_by_label("Management for Pia Purchase", exact=True)).to_have_count(0)
    await derek.check()
