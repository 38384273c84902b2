"""The service team's customer directory in a browser: Sam finds a customer by a contact's
email, opens it, and sees its contacts and requests; every page passes the checks."""

import re

from playwright.async_api import expect

from tests.browser.people import People
from tests.browser.test_profile_change import SAM, email_of, signed_in
from tests.conftest import Stack
from tests.e2e.profile import submitted


async def test_sam_finds_a_customer_by_a_contacts_email(people: People, stack: Stack) -> None:
    filed = await submitted(stack)
    sam = await signed_in(people, stack, "Sam", SAM)
    page = sam.page
    await page.get_by_role("link", name="Customers", exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Customers")
    await expect(page.get_by_role("link", name="Northwind Metals Ltd")).to_be_visible()
    await sam.check()

    await page.get_by_label("Search customers").fill(email_of(stack, "Teresa").upper())
    await sam.click_button("Search")
    results = page.get_by_role("table", name=re.compile("Customers matching"))
    await expect(results.get_by_role("link")).to_have_count(1)
    await expect(page.get_by_role("link", name="Northwind Metals Ltd")).to_have_count(0)
    await sam.check()

    await results.get_by_role("link", name="Example Energy plc").click()
    await page.wait_for_load_state()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Example Energy plc")
    contacts = page.get_by_role("table", name=re.compile("Contacts of Example Energy plc"))
    teresa = contacts.get_by_role("row", name=re.compile("Teresa Echie"))
    await expect(teresa).to_contain_text("Financial")
    await expect(teresa).to_contain_text("Customer")
    requests = page.get_by_role("table", name=re.compile("Open requests"))
    await expect(requests.get_by_role("link", name=filed["ticket_number"])).to_be_visible()
    await expect(page.get_by_role("link", name="Download the audit trail (CSV)")).to_be_visible()
    await sam.check()

    await requests.get_by_role("link", name=filed["ticket_number"]).click()
    await page.wait_for_load_state()
    assert page.url.split("?")[0].endswith(f"/portal/requests/{filed['id']}")
    await sam.check()
