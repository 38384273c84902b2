"""A purchaser addition in the browser: Derek opens the form from the profile, is told
every problem of his first try at once, and files Purchase Partners with Paula (pressing
Enter in a field, as people do); Ursula and Percy approve from their emailed pages; Sam
implements it from the queue; Derek's profile shows the purchaser."""

import re

from playwright.async_api import expect

from tests.browser.people import People, Person, follow_link_in_mail
from tests.browser.test_profile_change import SAM, email_of, signed_in
from tests.conftest import Stack
from tests.e2e.purchaser import PAULA, PERCY, PURCHASER, URSULA

APPROVAL_LINK = re.compile(r"/approvals/[^/?#\s]+$")


async def approve(person: Person, stack: Stack) -> None:
    await follow_link_in_mail(person, stack, APPROVAL_LINK, subject="approval is requested")
    page = person.page
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your approval is requested")
    await expect(page.get_by_role("main")).to_contain_text(PURCHASER["name"])
    await person.check()
    await person.click_button("Approve")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: you approved")
    await person.check()


async def implement_from_the_queue(sam: Person, request_page: str) -> None:
    """Sam, signed in, opens the request at ``request_page`` from the queue once it waits
    for the service team, and implements it."""
    await expect(sam.page.get_by_role("heading", level=1)).to_have_text("Queue")
    # Once approved, the request waits for the service team: the queue shows it then.
    link = sam.page.get_by_role("row", name=re.compile("Example Energy plc")).get_by_role(
        "link", name=re.compile(r"^SO-")
    )
    for _ in range(50):
        await sam.goto(request_page)
        if await sam.page.get_by_role("button", name="Implement", exact=True).count():
            break
        await sam.page.wait_for_timeout(100)
    await sam.goto("/portal/queue")
    await link.first.click()
    await sam.page.wait_for_load_state()
    assert sam.page.url.split("?")[0] == request_page
    await sam.check()
    await sam.click_button("Implement")
    await expect(sam.page.get_by_role("main")).to_contain_text("implemented")
    await sam.check()


async def press_enter(person: Person, label: str) -> None:
    """Press Enter in the field labelled ``label``, as a person sends a form from it."""
    async with person.page.expect_navigation():
        await person.page.get_by_label(label, exact=True).press("Enter")


async def test_a_purchaser_addition_filed_approved_and_implemented(
    people: People, stack: Stack
) -> None:
    derek = await signed_in(people, stack, "Derek", email_of(stack, "Derek"))
    page = derek.page
    await expect(page.get_by_role("heading", level=1)).to_have_text("Profile")
    await expect(page.get_by_role("main")).to_contain_text("No purchaser organisation is assigned")
    await derek.click_button("Request purchaser addition")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Request purchaser addition")
    await expect(page.get_by_role("main")).to_contain_text("Teresa Echie loses Financial")
    await derek.check()

    address = PURCHASER["address"]
    await page.get_by_label("Purchaser name", exact=True).fill(PURCHASER["name"])
    await page.get_by_label("Purchaser street", exact=True).fill(address["street"])
    await page.get_by_label("Purchaser city", exact=True).fill(address["city"])
    await page.get_by_label("Purchaser postal code", exact=True).fill(address["postal_code"])
    await page.get_by_label("Purchaser country", exact=True).select_option(address["country"])
    await page.get_by_label("Responsibility", exact=True).select_option(label="Financial")
    await page.get_by_label("Purchaser contact first name", exact=True).fill(PAULA["first_name"])
    await page.get_by_label("Purchaser contact last name", exact=True).fill(PAULA["last_name"])
    await page.get_by_label("Purchaser contact email", exact=True).fill("paula.payer@")
    await page.get_by_label("Purchaser contact phone", exact=True).fill(PAULA["phone"])
    await page.get_by_label("Purchaser for purchaser contact", exact=True).check()
    # Without JavaScript: the form comes back with the input kept and one more row, which
    # left blank is no contact.
    await derek.click_button("Add purchaser contact")
    await expect(page.get_by_label("Purchaser contact 2 first name", exact=True)).to_be_empty()
    await expect(page.get_by_label("Purchaser contact email", exact=True)).to_have_value(
        "paula.payer@"
    )
    await expect(page.get_by_label("Purchaser for purchaser contact", exact=True)).to_be_checked()
    await expect(page.get_by_role("main")).to_contain_text("With Financial responsibility")
    await derek.check()
    await page.get_by_label("Customer approver name", exact=True).fill("Derek Emonstration")
    await page.get_by_label("Customer approver email", exact=True).fill(derek.email or "")
    await page.get_by_label("Purchaser approver name", exact=True).fill(PERCY["name"])
    await page.get_by_label("Purchaser approver email", exact=True).fill(PERCY["email"])
    # One button a person meets requests the addition; Enter in a field presses it, not Add
    # purchaser contact. Every problem at once: the email, the role the responsibility needs
    # held by no contact, the requester as an approver.
    await expect(page.get_by_role("button", name="Request purchaser addition")).to_have_count(1)
    await press_enter(derek, "Purchaser approver email")
    problems = page.get_by_role("alert")
    await expect(problems).to_contain_text("There are 3 problems; nothing was sent.")
    await expect(problems).to_contain_text("No purchaser contact holds Financial")
    await expect(problems).to_contain_text("The requester may not approve their own request")
    await expect(page.get_by_label("Purchaser contact email", exact=True)).to_have_attribute(
        "aria-invalid", "true"
    )
    await expect(page.get_by_label("Purchaser contact 2 first name", exact=True)).to_have_count(0)
    await derek.check()
    await page.get_by_label("Purchaser contact email", exact=True).fill(PAULA["email"])
    await page.get_by_label("Financial for purchaser contact", exact=True).check()
    await page.get_by_label("Customer approver name", exact=True).fill(URSULA["name"])
    await page.get_by_label("Customer approver email", exact=True).fill(URSULA["email"])
    await press_enter(derek, "Customer approver email")
    await expect(page.get_by_role("status")).to_contain_text("Your request is filed")
    assert re.search(r"/portal/requests/[0-9a-f-]{36}\?done=filed$", page.url), page.url
    await expect(page.get_by_role("main")).to_contain_text(PAULA["email"])
    await derek.check()
    request_page = page.url.split("?")[0]

    await approve(await people("Ursula", URSULA["email"]), stack)
    await approve(await people("Percy", PERCY["email"]), stack)

    await implement_from_the_queue(await signed_in(people, stack, "Sam", SAM), request_page)

    await derek.goto("/portal/profile")
    await expect(page.get_by_role("main")).to_contain_text(PURCHASER["name"])
    await expect(page.get_by_role("button", name="Request purchaser addition")).to_have_count(0)
    await derek.check()
