"""Files on a ticket's page, in a browser at a desktop's and a phone's width: a contact
attaches a signed form with Attach a file and Upload, sees it listed and downloads it; a
file of a kind a ticket does not take is refused beside the field; a reply carries a
screenshot. Each page passes axe."""

import asyncio
from pathlib import Path

from playwright.async_api import FilePayload, expect

from tests.browser.people import People
from tests.browser.test_profile_change import email_of, signed_in
from tests.conftest import Stack
from tests.e2e.test_purchaser_removal import raise_ticket

SAMPLES = Path(__file__).parent.parent / "models" / "samples"
FORM = (SAMPLES / "signed-form.pdf").read_bytes()


async def test_a_contact_attaches_a_file_and_downloads_it(people: People, stack: Stack) -> None:
    number = await raise_ticket(stack, stack.auth("Teresa"), "Signed form", False)
    teresa = await signed_in(people, stack, "Teresa", email_of(stack, "Teresa"))
    page = teresa.page
    await teresa.goto(f"/portal/tickets/{number}")
    files = page.get_by_role("region", name="Attachments")
    await expect(files).to_contain_text("No files are attached to this ticket.")
    await teresa.check()

    # A page called a PDF is refused, and says why beside the field.
    await files.get_by_label("Attach a file", exact=True).set_input_files(
        files=FilePayload(name="invoice.pdf", mimeType="application/pdf", buffer=b"<html></html>")
    )
    await teresa.click_button("Upload")
    field = page.get_by_role("region", name="Attachments").get_by_label("Attach a file")
    await expect(field).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_role("region", name="Attachments")).to_contain_text(
        "This kind of file cannot be attached: PDF, images, text, CSV and office documents can."
    )
    await teresa.check()

    await field.set_input_files(
        files=FilePayload(name="Signed form.pdf", mimeType="application/pdf", buffer=FORM)
    )
    await teresa.click_button("Upload")
    await expect(page.get_by_role("status")).to_have_text("Your file is attached to the ticket.")
    files = page.get_by_role("region", name="Attachments")
    listed = files.get_by_role("list", name=f"Files attached to ticket {number}")
    await expect(listed.get_by_role("listitem")).to_have_count(1)
    await expect(listed).to_contain_text("Signed form.pdf")
    await expect(listed).to_contain_text("Teresa Echie")
    await expect(listed).to_contain_text(f"{len(FORM)} bytes")
    await teresa.check()

    async with page.expect_download() as downloading:
        await listed.get_by_role("link", name="Signed form.pdf").click()
    download = await downloading.value
    assert download.suggested_filename == "Signed form.pdf"
    saved = await download.path()
    assert await asyncio.to_thread(saved.read_bytes) == FORM

    # A reply with a screenshot: the conversation shows it beside the reply.
    reply = page.get_by_role("region", name="Reply")
    await reply.get_by_label("Your reply", exact=True).fill("And the screenshot.")
    await reply.get_by_label("Attach a file", exact=True).set_input_files(SAMPLES / "python.png")
    await teresa.click_button("Reply")
    await expect(page.get_by_role("status")).to_have_text("Your reply is added to the ticket.")
    conversation = page.get_by_role("list", name=f"Conversation on ticket {number}")
    await expect(conversation).to_contain_text("And the screenshot.")
    await expect(conversation.get_by_role("link", name="python.png")).to_be_visible()
    await expect(listed.get_by_role("listitem")).to_have_count(2)
    await teresa.check()
