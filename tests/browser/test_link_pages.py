"""The pages that emailed links open, in a browser: an approver asks, approves, comes back."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.async_api import expect

from tests.browser.people import People, follow_link_in_mail
from tests.conftest import Stack
from tests.e2e.purchaser import PURCHASER, URSULA, filed_addition

APPROVAL_LINK = re.compile(r"/approvals/[^/?#\s]+$")


async def test_an_approver_asks_then_approves_from_the_emailed_link(
    people: People, stack: Stack
) -> None:
    request = await filed_addition(stack)
    ursula = await people("Ursula", URSULA["email"])
    link = await follow_link_in_mail(ursula, stack, APPROVAL_LINK, subject="approval is requested")
    page = ursula.page
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your approval is requested")
    await expect(page.get_by_role("main")).to_contain_text(PURCHASER["name"])
    await ursula.check()

    await page.get_by_role("textbox", name="Your message lands on ticket").fill(
        "Who signs the contract?"
    )
    await ursula.click_button("Send to the service team")
    assert urlsplit(page.url).path == urlsplit(link).path, "back on the approval page"
    await expect(page.get_by_role("status")).to_have_text(
        "Your message was sent to the service team."
    )
    await ursula.check()

    await page.get_by_role("textbox", name=re.compile(r"^Comment")).fill("Fine by us.")
    await ursula.click_button("Approve")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: you approved")
    await expect(page.get_by_role("main")).to_contain_text("Your approval is recorded.")
    await ursula.check()
    approved = await stack.wait_for_request(
        request["id"], lambda r: r["approvals"][0]["status"] == "approved"
    )
    assert approved["approvals"] == [
        {"side": "customer", "status": "approved"},
        {"side": "purchaser", "status": "pending"},
    ]

    # The link worked once: opened again, it says so, in a page that passes as well.
    again = await ursula.goto(link)
    assert again is not None and again.status == 410
    await expect(page.get_by_role("heading", level=1)).to_be_visible()
    await ursula.check()


async def test_the_api_docs_page(people: People, stack: Stack) -> None:
    docs = await stack.http.get("/docs")
    assert docs.status_code == 200
    own = urlsplit(stack.settings.public_url).netloc
    elsewhere = sorted(
        {
            host
            for host in re.findall(r"""(?:src|href)=["']?(?:https?:)?//([^/"'\s>]+)""", docs.text)
            if host != own
        }
    )
    if elsewhere:
        pytest.skip(f"/docs loads from {', '.join(elsewhere)}: it needs the network")
    reader = await people("API reader")
    await reader.goto("/docs")
    # Swagger UI renders from /openapi.json: the API's title once it could read the schema.
    await expect(reader.page.get_by_role("heading", name=re.compile("^Signoff"))).to_be_visible()
    # Swagger UI's own markup is upstream's; the page around it is Signoff's.
    await reader.check(exclude=["#swagger-ui"])
