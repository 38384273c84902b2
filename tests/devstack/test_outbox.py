from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import httpx
import pytest

from devstack.outbox import MailCatcher, Outbox, create_outbox_app, find_links, linkify

APPROVE_URL = "https://signoff.example/approve?request=42&token=abc"
DANGEROUS_SUBJECT = "<script>alert(1)</script> Approve the change"


def build_message(
    subject: str = "Approve the change", *, to: str = "derek@example.com"
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Signoff <signoff@localhost>"
    message["To"] = f"Derek <{to}>"
    message["Subject"] = subject
    message["Message-ID"] = "<request-42-approval@signoff.localhost>"
    message.set_content(f"Please review the change.\n\nApprove: {APPROVE_URL}.\n")
    message.add_alternative(
        f'<p>Please review.</p><script>alert("html")</script><a href="{APPROVE_URL}">Approve</a>',
        subtype="html",
    )
    return message


async def send(catcher: MailCatcher, message: EmailMessage) -> None:
    await aiosmtplib.send(message, hostname=catcher.hostname, port=catcher.port)


def stored_names(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


@pytest.fixture
def catcher() -> Iterator[MailCatcher]:
    with MailCatcher() as running:
        yield running


@pytest.fixture
async def client(catcher: MailCatcher) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_outbox_app(catcher.outbox))
    async with httpx.AsyncClient(transport=transport, base_url="http://outbox.test") as http:
        yield http


async def test_port_zero_binds_a_real_port(catcher: MailCatcher) -> None:
    assert catcher.port > 0


async def test_captures_multipart_message(catcher: MailCatcher) -> None:
    message = build_message()
    message["Bcc"] = "audit@example.com"

    await send(catcher, message)

    [captured] = catcher.messages
    assert captured.id == 1
    assert captured.subject == "Approve the change"
    assert captured.sender == "signoff@localhost"
    assert captured.recipients == ("derek@example.com", "audit@example.com")
    assert captured.message_id == "<request-42-approval@signoff.localhost>"
    assert captured.links == (APPROVE_URL,)
    assert captured.text is not None and "Please review the change." in captured.text
    assert captured.html is not None and "<p>Please review.</p>" in captured.html


async def test_wait_for_returns_the_matching_message(catcher: MailCatcher) -> None:
    await send(catcher, build_message("Reminder", to="anna@example.com"))
    await send(catcher, build_message("Approved", to="derek@example.com"))

    found = await catcher.wait_for(lambda m: "derek@example.com" in m.recipients, timeout=5)

    assert found.subject == "Approved"


async def test_wait_for_times_out_naming_what_was_seen(catcher: MailCatcher) -> None:
    await send(catcher, build_message("Reminder"))

    with pytest.raises(TimeoutError, match=r"within 0\.2 s.*'Reminder' to derek@example\.com"):
        await catcher.wait_for(lambda m: m.subject == "Approved", timeout=0.2)


async def test_clear_forgets_messages(catcher: MailCatcher) -> None:
    await send(catcher, build_message())

    catcher.clear()

    assert catcher.messages == []


async def test_index_lists_messages_with_escaped_subject(
    catcher: MailCatcher, client: httpx.AsyncClient
) -> None:
    await send(catcher, build_message("First"))
    await send(catcher, build_message(DANGEROUS_SUBJECT))

    response = await client.get("/")

    assert response.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Approve the change" in response.text
    assert "<script" not in response.text
    assert response.text.index("Approve the change") < response.text.index("First")
    assert 'href="/messages/2"' in response.text
    assert "default-src 'none'" in response.headers["content-security-policy"]


@pytest.mark.parametrize("path", ["/", "/messages/1", "/api/messages"])
async def test_every_outbox_answer_is_strict_and_never_cached(
    catcher: MailCatcher, client: httpx.AsyncClient, path: str
) -> None:
    await send(catcher, build_message("First"))
    response = await client.get(path)
    assert response.status_code == 200
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"


async def test_message_page_links_the_text_and_sandboxes_the_html(
    catcher: MailCatcher, client: httpx.AsyncClient
) -> None:
    await send(catcher, build_message(DANGEROUS_SUBJECT))

    response = await client.get("/messages/1")

    assert response.status_code == 200
    escaped_url = APPROVE_URL.replace("&", "&amp;")
    assert f'<a href="{escaped_url}" rel="noopener noreferrer">{escaped_url}</a>' in response.text
    assert "<iframe sandbox srcdoc=" in response.text
    assert "&lt;script&gt;alert(&#34;html&#34;)&lt;/script&gt;" in response.text
    assert "<script" not in response.text


async def test_unknown_message_is_not_found(client: httpx.AsyncClient) -> None:
    response = await client.get("/messages/99")

    assert response.status_code == 404


async def test_api_lists_and_clears_messages(
    catcher: MailCatcher, client: httpx.AsyncClient
) -> None:
    await send(catcher, build_message())

    response = await client.get("/api/messages")

    assert response.status_code == 200
    [body] = response.json()
    assert body["id"] == 1
    assert body["from"] == "signoff@localhost"
    assert body["to"] == ["derek@example.com"]
    assert body["subject"] == "Approve the change"
    assert body["message_id"] == "<request-42-approval@signoff.localhost>"
    assert body["links"] == [APPROVE_URL]
    assert "Please review the change." in body["text"]
    assert "<p>Please review.</p>" in body["html"]
    assert body["date"]

    cleared = await client.delete("/api/messages")

    assert cleared.status_code == 204
    assert (await client.get("/api/messages")).json() == []


async def test_stored_messages_survive_a_restart(tmp_path: Path) -> None:
    with MailCatcher(outbox=Outbox(tmp_path)) as first:
        await send(first, build_message("Before restart"))

    reloaded = Outbox(tmp_path)

    [message] = reloaded.messages
    assert message.id == 1
    assert message.subject == "Before restart"
    assert message.sender == "signoff@localhost"
    assert message.recipients == ("derek@example.com",)
    assert message.links == (APPROVE_URL,)
    assert stored_names(tmp_path) == ["000001.eml"]

    with MailCatcher(outbox=reloaded) as second:
        await send(second, build_message("After restart"))

    assert [m.id for m in Outbox(tmp_path).messages] == [1, 2]
    reloaded.clear()
    assert Outbox(tmp_path).messages == []


def test_links_stop_before_trailing_punctuation() -> None:
    text = "Open (https://a.example/x?y=1), then https://b.example. Not ftp://c.example"

    assert find_links(text) == ("https://a.example/x?y=1", "https://b.example")


def test_linkify_escapes_everything_else() -> None:
    html = linkify('<b>"hi"</b> https://a.example/?q=<x>')

    assert str(html) == (
        "&lt;b&gt;&#34;hi&#34;&lt;/b&gt; "
        '<a href="https://a.example/?q=" rel="noopener noreferrer">https://a.example/?q=</a>'
        "&lt;x&gt;"
    )
