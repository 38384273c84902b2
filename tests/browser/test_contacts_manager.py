"""The Contacts Manager in the browser: Derek files the reference's worked example by its
labelled controls; Sam implements it from the queue; Annabelle activates her account from
her welcome email; a refused batch shows every problem."""

import re

from playwright.async_api import Locator, Page, expect

from tests.browser.people import People, follow_link_in_mail
from tests.browser.test_profile_change import SAM, email_of, signed_in
from tests.conftest import Stack
from tests.e2e.test_contact_change import ANNABELLE

ACTIVATION_LINK = re.compile(r"/activate/[^/?#\s]+$")
NEW_FIELDS = {
    "salutation": "New contact salutation",
    "first_name": "New contact first name",
    "last_name": "New contact last name",
    "email": "New contact email",
    "phone": "New contact phone",
    "job_title": "New contact job title",
}


def manager(page: Page) -> Locator:
    """The Contacts Manager's table, whose contacts' names open their details."""
    return page.get_by_role("table", name="Contacts of Example Energy plc and their roles")


async def test_the_worked_example_from_the_contacts_manager_to_implemented(
    people: People, stack: Stack
) -> None:
    derek = await signed_in(people, stack, "Derek", email_of(stack, "Derek"))
    page = derek.page
    await page.get_by_role("link", name="Contacts", exact=True).click()
    await expect(page.get_by_role("heading", name="Contacts Manager")).to_be_visible()
    await derek.check()

    # Derek's details open beneath his name.
    await manager(page).get_by_text("Derek Emonstration", exact=True).click()
    phone = page.get_by_label("Phone for Derek Emonstration", exact=True)
    await expect(phone).to_have_value("+44 161 496 0001")
    await phone.fill("+44 161 496 0999")
    await page.get_by_label("Delete Timothy Ester", exact=True).check()
    await page.get_by_label("Cust Admin for Teresa Echie", exact=True).check()
    await page.get_by_label("Financial for Teresa Echie", exact=True).uncheck()
    for name, label in NEW_FIELDS.items():
        await page.get_by_label(label, exact=True).fill(ANNABELLE[name])
    await page.get_by_label("Agreement for the new contact", exact=True).check()
    await derek.check()
    await derek.click_button("Request changes")
    await expect(page.get_by_role("status")).to_contain_text("Your request is filed")
    await derek.check()
    request_page = page.url.split("?")[0]

    # While it is open, the Contacts Manager shows it side by side, read-only.
    await page.get_by_role("link", name="Contacts", exact=True).click()
    await expect(page.get_by_role("button", name="Request changes")).to_have_count(0)
    requested = page.get_by_role("table", name="Contacts and roles once the change is implemented")
    await expect(
        requested.get_by_role("row", name=re.compile("Annabelle Greement"))
    ).to_contain_text("added")
    await expect(requested.get_by_role("row", name=re.compile("Timothy Ester"))).to_contain_text(
        "removed"
    )
    await derek.check()

    sam = await signed_in(people, stack, "Sam", SAM)
    row = sam.page.get_by_role("row", name=re.compile("Example Energy plc"))
    for _ in range(50):
        if await row.get_by_role("link", name=re.compile(r"^SO-")).count():
            break
        await sam.page.wait_for_timeout(100)
        await sam.goto("/portal/queue")
    await row.get_by_role("link", name=re.compile(r"^SO-")).first.click()
    await sam.page.wait_for_load_state()
    assert sam.page.url.split("?")[0] == request_page
    await sam.click_button("Implement")
    await expect(sam.page.get_by_role("main")).to_contain_text("implemented")
    await sam.check()

    await derek.goto("/portal/contacts")
    await expect(page.get_by_role("heading", name="Contacts Manager")).to_be_visible()
    await expect(page.get_by_label("Agreement for Annabelle Greement", exact=True)).to_be_checked()
    await expect(page.get_by_label("Cust Admin for Teresa Echie", exact=True)).to_be_checked()
    await expect(page.get_by_label("Delete Timothy Ester", exact=True)).to_have_count(0)
    await derek.check()

    # Annabelle activates her account from her welcome email, and is signed in by it.
    annabelle = await people("Annabelle", ANNABELLE["email"])
    await follow_link_in_mail(annabelle, stack, ACTIVATION_LINK, subject="Welcome")
    await annabelle.check()
    await annabelle.click_button("Activate my account")
    await expect(annabelle.page.get_by_role("status")).to_contain_text("Welcome to Signoff")
    await annabelle.check()
    await annabelle.page.get_by_role("link", name="Contacts", exact=True).click()
    # Agreement is not a role that requests changes: she sees the contacts read-only.
    await expect(annabelle.page.get_by_role("button", name="Request changes")).to_have_count(0)
    ours = annabelle.page.get_by_role("table", name="Contacts of Example Energy plc")
    await expect(ours.get_by_role("row", name=re.compile("Annabelle Greement"))).to_contain_text(
        "Agreement"
    )
    await annabelle.check()


async def test_a_refused_batch_shows_every_problem_at_once(people: People, stack: Stack) -> None:
    derek = await signed_in(people, stack, "Derek", email_of(stack, "Derek"))
    page = derek.page
    await derek.goto("/portal/contacts")
    await manager(page).get_by_text("Teresa Echie", exact=True).click()
    await page.get_by_label("Email for Teresa Echie", exact=True).fill("teresa-at-energy")
    await derek.click_button("Add contact")
    await page.get_by_label("New contact 2 first name", exact=True).fill("Nora")
    await page.get_by_label("New contact 2 last name", exact=True).fill("Role")
    await page.get_by_label("New contact 2 email", exact=True).fill("nora@energy.example.com")
    await page.get_by_label("Management for Derek Emonstration", exact=True).uncheck()
    # Enter in a field sends the batch (Request changes), not Add contact.
    await page.get_by_label("New contact 2 email", exact=True).press("Enter")
    await page.wait_for_load_state()
    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text("There are 3 problems")
    await expect(alert).to_contain_text("Email for Teresa Echie")
    await expect(alert).to_contain_text("Roles for new contact 2")
    await expect(alert).to_contain_text("Roles of Derek Emonstration")
    email = page.get_by_label("Email for Teresa Echie", exact=True)
    await expect(email).to_have_value("teresa-at-energy")
    await expect(email).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_label("New contact 2 first name", exact=True)).to_have_value("Nora")
    await derek.check()
