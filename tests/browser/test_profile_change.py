"""A profile change in two browsers: Derek signs in from his email and files it on the
profile form; Sam finds it in the service team's queue and implements it; Derek sees it."""

import re

from playwright.async_api import expect

from tests.browser.people import People, Person, sign_in
from tests.conftest import Stack

SAM = "sam.service@signoff.example.com"
NEW_NAME = "Example Energy Group plc"


def email_of(stack: Stack, first_name: str) -> str:
    people = [c for customer in stack.demo["customers"] for c in customer["contacts"]]
    return str(next(p["email"] for p in people if p["name"].split()[0] == first_name))


async def signed_in(people: People, stack: Stack, first_name: str, email: str) -> Person:
    person = await people(first_name, email)
    await sign_in(person, stack, email)
    await expect(person.page.get_by_role("status")).to_have_text("You are signed in.")
    await person.check()
    return person


async def test_a_profile_change_from_the_form_to_implemented(people: People, stack: Stack) -> None:
    derek = await signed_in(people, stack, "Derek", email_of(stack, "Derek"))
    page = derek.page
    await expect(page.get_by_role("heading", level=1)).to_have_text("Profile")
    await expect(page.get_by_label("Payment details same as legal")).to_be_checked()
    # The script turns the payment fields off while they are not used; without it they stay.
    await expect(page.get_by_label("Payment name", exact=True)).to_be_disabled()
    await page.get_by_label("Legal name", exact=True).fill(NEW_NAME)
    await page.get_by_label("Street", exact=True).fill("2 Turbine Road")
    await page.get_by_label("City", exact=True).fill("Leeds")
    await page.get_by_label("Postal code", exact=True).fill("LS1 4AP")
    await page.get_by_label("Country", exact=True).select_option("GB")
    await derek.click_button("Request changes")
    await expect(page.get_by_role("status")).to_contain_text("Your request is filed")
    await expect(page.get_by_role("main")).to_contain_text(NEW_NAME)
    await derek.check()
    request_page = page.url

    sam = await signed_in(people, stack, "Sam", SAM)
    await expect(sam.page.get_by_role("heading", level=1)).to_have_text("Queue")
    # The ticket is raised by the workflow's first step: the queue shows it once it is.
    row = sam.page.get_by_role("row", name=re.compile("Example Energy plc"))
    for _ in range(50):
        if await row.get_by_role("link", name=re.compile(r"^SO-")).count():
            break
        await sam.page.wait_for_timeout(100)
        await sam.goto("/portal/queue")
    await row.get_by_role("link", name=re.compile(r"^SO-")).click()
    await sam.page.wait_for_load_state()
    assert sam.page.url.split("?")[0] == request_page.split("?")[0]
    await sam.check()
    await sam.click_button("Implement")
    await expect(sam.page.get_by_role("main")).to_contain_text("implemented")
    await sam.check()

    await derek.goto(request_page.split("?")[0])
    await expect(page.get_by_role("main")).to_contain_text("implemented")
    await derek.check()
    await page.get_by_role("link", name="Profile", exact=True).click()
    await expect(page.get_by_role("main")).to_contain_text(NEW_NAME)
    await derek.check()


async def test_a_requester_cancels_an_open_request(people: People, stack: Stack) -> None:
    derek = await signed_in(people, stack, "Derek", email_of(stack, "Derek"))
    page = derek.page
    await page.get_by_label("Legal name", exact=True).fill(NEW_NAME)
    await derek.click_button("Request changes")
    await expect(page.get_by_role("status")).to_contain_text("Your request is filed")
    await derek.click_button("Cancel request")
    await expect(page.get_by_role("status")).to_contain_text("cancelled")
    await expect(page.get_by_role("button", name="Cancel request")).to_have_count(0)
    await derek.check()
    await page.get_by_role("link", name="Requests", exact=True).click()
    await expect(page.get_by_role("main")).to_contain_text("cancelled")
    await derek.check()


async def test_a_refused_form_keeps_the_input_and_says_why(people: People, stack: Stack) -> None:
    derek = await signed_in(people, stack, "Derek", email_of(stack, "Derek"))
    page = derek.page
    await page.get_by_label("Legal name", exact=True).fill("")
    await page.get_by_label("Postal code", exact=True).fill("")
    await page.get_by_label("City", exact=True).fill("Somewhere new")
    await page.get_by_label("Payment details same as legal").uncheck()
    await page.get_by_label("Payment name", exact=True).fill("")
    await derek.click_button("Request changes")
    await expect(page.get_by_role("alert")).to_contain_text("There are 3 problems")
    await expect(page.get_by_role("alert")).to_contain_text("Enter the legal name.")
    await expect(page.get_by_role("alert")).to_contain_text("Enter the payment name.")
    await expect(page.get_by_label("Legal name", exact=True)).to_have_attribute(
        "aria-invalid", "true"
    )
    await expect(page.get_by_label("City", exact=True)).to_have_value("Somewhere new")
    await derek.check()
