"""Signoff put into service on an empty database, in a browser: the first team admin comes
from ``signoff staff add``, signs in, adds a colleague and creates a customer with two
contacts, who each activate from their welcome email; the colleague files a contact change
for the customer with a reason, the admin implements it, and the customer's Management
contact has the email saying the team filed it."""

import re

import pytest
from playwright.async_api import expect

from tests.browser.people import People, follow_link_in_mail, link_in_mail, sign_in
from tests.browser.test_contacts_manager import ACTIVATION_LINK
from tests.conftest import Stack, _environment
from tests.test_cli import signoff

ADA = "ada.admin@service.example.com"
COLE = "cole.league@service.example.com"
HANNAH = "hannah.arbour@harbour.example.com"
FELIX = "felix.inance@harbour.example.com"
REASON = "Hannah asked by phone: Felix takes on Technical while Tim is away."


@pytest.fixture
def demo_data() -> bool:
    return False


async def test_a_team_puts_signoff_into_service(people: People, stack: Stack) -> None:
    env = _environment(stack.settings)
    upgraded = await signoff(env, "db", "upgrade")
    assert upgraded.status == 0, upgraded.err
    added = await signoff(env, "staff", "add", ADA, "--name", "Ada Admin", "--admin")
    assert added.status == 0, added.err
    assert f"{stack.settings.public_url}/portal/sign-in" in added.out and ADA in added.out

    ada = await people("Ada", ADA)
    await sign_in(ada, stack, ADA)
    page = ada.page
    await expect(page.get_by_role("status")).to_have_text("You are signed in.")

    # A colleague.
    await page.get_by_role("link", name="Team", exact=True).click()
    await page.get_by_label("Name", exact=True).fill("Cole League")
    await page.get_by_label("Email", exact=True).fill(COLE)
    await ada.click_button("Add to the team")
    await expect(page.get_by_role("status")).to_contain_text("The new member is on the team.")
    await ada.check()

    # A customer with its first two contacts.
    await page.get_by_role("link", name="Customers", exact=True).click()
    await page.get_by_role("link", name="New customer", exact=True).click()
    await page.get_by_label("Customer name", exact=True).fill("Harbour Lights Ltd")
    await page.get_by_label("Account reference", exact=True).fill("ACC-1001")
    await page.get_by_label("Street", exact=True).fill("2 Quay Street")
    await page.get_by_label("City", exact=True).fill("Bristol")
    await page.get_by_label("Postal code", exact=True).fill("BS1 4DJ")
    await page.get_by_label("Country", exact=True).select_option("GB")
    await expect(page.get_by_label("Payment details same as legal")).to_be_checked()
    for label, value in (("first name", "Hannah"), ("last name", "Arbour"), ("email", HANNAH)):
        await page.get_by_label(f"New contact {label}", exact=True).fill(value)
    for role in ("Management", "Cust Admin"):
        await page.get_by_label(f"{role} for the new contact", exact=True).check()
    await ada.click_button("Add contact")
    for label, value in (("first name", "Felix"), ("last name", "Inance"), ("email", FELIX)):
        await page.get_by_label(f"New contact 2 {label}", exact=True).fill(value)
    for role in ("Financial", "Agreement"):
        await page.get_by_label(f"{role} for new contact 2", exact=True).check()
    await ada.check()
    await ada.click_button("Create customer")
    await expect(page.get_by_role("status")).to_contain_text("The customer is created.")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Harbour Lights Ltd")
    customer_page = page.url.split("?")[0]
    await ada.check()

    # Each contact activates from their welcome email.
    for name, email in (("Hannah", HANNAH), ("Felix", FELIX)):
        contact = await people(name, email)
        await follow_link_in_mail(contact, stack, ACTIVATION_LINK, subject="Welcome")
        await contact.click_button("Activate my account")
        await expect(contact.page.get_by_role("status")).to_contain_text("Welcome to Signoff")
        await contact.check()

    # The colleague files a contact change for the customer, saying why.
    cole = await people("Cole", COLE)
    await sign_in(cole, stack, COLE)
    await cole.goto(customer_page.removeprefix(stack.settings.public_url))
    await cole.page.get_by_role("link", name="Change contacts and roles").click()
    await expect(cole.page.get_by_role("heading", level=1)).to_have_text(
        "Contacts of Harbour Lights Ltd"
    )
    await cole.page.get_by_label("Technical for Felix Inance", exact=True).check()
    await cole.page.get_by_label("Reason", exact=True).fill(REASON)
    await cole.check()
    await cole.click_button("Request changes")
    await expect(cole.page.get_by_role("status")).to_contain_text("Your request is filed")
    await expect(cole.page.get_by_role("button", name="Implement")).to_have_count(0)
    request_page = cole.page.url.split("?")[0].removeprefix(stack.settings.public_url)
    await cole.check()

    # The admin implements it: four eyes.
    await ada.goto(request_page)
    for _ in range(50):
        if await ada.page.get_by_role("button", name="Implement").count():
            break
        await ada.page.wait_for_timeout(100)
        await ada.goto(request_page)
    await expect(ada.page.get_by_role("main")).to_contain_text(REASON)
    await ada.click_button("Implement")
    await expect(ada.page.get_by_role("main")).to_contain_text("implemented")
    await ada.check()

    # The customer's Management contact was told the team filed it, and why.
    await link_in_mail(stack, HANNAH, re.compile(r"/portal/requests/"), subject="filed a contact")
    told = [
        message
        for message in stack.mail.messages
        if message.recipients == (HANNAH,) and "filed a contact change" in message.subject
    ]
    assert len(told) == 1 and REASON in (told[0].text or "")
