"""How large a ticket's file may be and how many a ticket keeps (small limits here), through
the API and through the portal's forms: a refusal stores nothing, says why beside the field,
and keeps what was typed; a body far past the limit is refused before it is read."""

import asyncio
import html
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlmodel import select

from models.attachment import TicketAttachment
from models.enums import TicketStatus
from models.ticket import Ticket, TicketComment
from tests.conftest import Stack
from tests.e2e.profile import count
from tests.e2e.test_attachments import PDF, REFUSED, upload
from tests.e2e.test_purchaser_removal import raise_ticket
from tests.portal.test_tickets import hidden, signed_in

MAX_BYTES = 4096
PER_TICKET = 3
TOO_LARGE = "the file is larger than the 4 KB a ticket's file may be"
TERESA = "teresa.echie@energy.example.com"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"attachment_max_bytes": MAX_BYTES, "attachments_per_ticket": PER_TICKET}


async def declared_only(
    stack: Stack,
    path: str,
    token: str | None = None,
    cookie: str | None = None,
    size: int | None = None,
    content_type: str = "multipart/form-data; boundary=b",
) -> tuple[int, bytes]:
    """Declare a body past every limit (or of ``size``), send none of it, read the answer."""
    host, port = str(stack.http.base_url).removeprefix("http://").rstrip("/").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    size = size or stack.settings.max_body_bytes + MAX_BYTES + 1
    headers = [
        f"POST {path} HTTP/1.1",
        f"Host: {host}:{port}",
        f"Content-Type: {content_type}",
        f"Content-Length: {size}",
        "Accept: text/html" if cookie else "Accept: application/json",
        *([f"Authorization: Bearer {token}"] if token else []),
        *([f"Cookie: {cookie}"] if cookie else []),
    ]
    writer.write(("\r\n".join(headers) + "\r\n\r\n").encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = int(
        next(
            line.split(b":", 1)[1]
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
    )
    answer = await reader.readexactly(length)
    writer.close()
    return status, answer


def text_of(size: int) -> bytes:
    return (b"A line of the log.\n" * (size // 19 + 1))[:size]


async def test_a_file_over_the_limit_is_refused_and_one_at_it_kept(stack: Stack) -> None:
    number = await raise_ticket(stack, stack.auth("Teresa"), "Logs", False)
    teresa = stack.auth("Teresa")
    over = await upload(stack, number, teresa, "big.log", text_of(MAX_BYTES + 1))
    assert over.status_code == 413, over.text
    assert over.json() == {"detail": TOO_LARGE}
    at = await upload(stack, number, teresa, "fits.log", text_of(MAX_BYTES))
    assert at.status_code == 201, at.text
    assert at.json()["size"] == MAX_BYTES

    # Far past it, with the length declared: refused before a byte of it is sent. Past it
    # without a length: cut off as it arrives. For the same reason, both.
    status, answer = await declared_only(
        stack, f"/tickets/{number}/attachments", stack.tokens["Teresa"]
    )
    assert status == 413
    assert json.loads(answer) == {"detail": TOO_LARGE}
    body = b"x" * (stack.settings.max_body_bytes + MAX_BYTES + 1)

    async def chunks() -> AsyncIterator[bytes]:
        # Just past the limit: what is sent beyond what the server reads stays small.
        yield b"--b\r\nContent-Disposition: form-data; name=file; filename=a.txt\r\n\r\n"
        for _ in range(len(body) // 1024 + 1):
            yield b"y" * 1024

    streamed = await stack.http.post(
        f"/tickets/{number}/attachments",
        content=chunks(),
        headers={**teresa, "Content-Type": "multipart/form-data; boundary=b"},
    )
    assert streamed.status_code == 413
    assert streamed.json() == {"detail": TOO_LARGE}
    assert await count(stack, TicketAttachment) == 1

    # The allowance is the upload's alone: a comment is held to the API's own limit.
    status, answer = await declared_only(
        stack,
        f"/tickets/{number}/comments",
        stack.tokens["Teresa"],
        size=stack.settings.max_body_bytes + 1,
        content_type="application/json",
    )
    assert status == 413
    assert "bytes this API accepts" in json.loads(answer)["detail"]


async def test_a_ticket_keeps_so_many_files_and_a_closed_one_none(stack: Stack) -> None:
    number = await raise_ticket(stack, stack.auth("Teresa"), "Many files", False)
    for n in range(PER_TICKET):
        kept = await upload(stack, number, stack.auth("Teresa"), f"form-{n}.pdf", PDF[:MAX_BYTES])
        assert kept.status_code == 201, kept.text
    full = await upload(stack, number, stack.auth("Sam"), "one-more.pdf", PDF)
    assert full.status_code == 409
    assert full.json()["detail"] == "the ticket already keeps 3 files, as many as a ticket may"
    assert await count(stack, TicketAttachment) == PER_TICKET

    other = await raise_ticket(stack, stack.auth("Teresa"), "Closed", False)
    async with stack.sessions() as session:
        ticket = (await session.exec(select(Ticket).where(Ticket.number == other))).one()
        ticket.status = TicketStatus.CLOSED
        session.add(ticket)
        await session.commit()
    closed = await upload(stack, other, stack.auth("Teresa"), "late.pdf", PDF)
    assert closed.status_code == 409
    assert "closed" in closed.json()["detail"]
    async with signed_in(stack, TERESA) as portal:
        page = await portal.get(f"/portal/tickets/{other}")
        assert "The ticket is closed: it takes no more files." in page.text
        assert 'action="/portal/tickets/' + other + '/attachments"' not in page.text
    assert await count(stack, TicketAttachment) == PER_TICKET


def beside(page: httpx.Response, field: str) -> str:
    """The message shown beside the field whose id is ``field``."""
    start = page.text.index(f'id="{field}-error"')
    return html.unescape(
        page.text[page.text.index(">", start) + 1 : page.text.index("</p>", start)]
    )


async def test_the_portal_says_why_a_file_is_refused_beside_its_field(stack: Stack) -> None:
    number = await raise_ticket(stack, stack.auth("Teresa"), "Portal files", False)
    path = f"/portal/tickets/{number}"
    async with signed_in(stack, TERESA) as portal:
        page = await portal.get(path)
        assert "at most 4 KB" in page.text

        nothing = await portal.post(
            f"{path}/attachments",
            data=hidden(page),
            files={"file": ("", b"", "application/octet-stream")},
        )
        assert nothing.status_code == 422
        assert beside(nothing, "attach-file") == "Choose a file to attach."

        page = await portal.get(path)
        large = await portal.post(
            f"{path}/attachments",
            data=hidden(page),
            files={"file": ("big.log", text_of(MAX_BYTES + 1), "text/plain")},
        )
        assert large.status_code == 413
        assert (
            beside(large, "attach-file")
            == "The file is larger than the 4 KB a ticket's file may be."
        )
        assert 'aria-invalid="true"' in large.text

        page = await portal.get(path)
        page_renamed = await portal.post(
            f"{path}/attachments",
            data=hidden(page),
            files={
                "file": ("invoice.pdf", b"<html><body>Pay here</body></html>", "application/pdf")
            },
        )
        assert page_renamed.status_code == 422
        assert beside(page_renamed, "attach-file") == REFUSED[:1].upper() + REFUSED[1:] + "."

        # A reply whose file is refused is not sent: the reply stays typed, the reason is
        # beside the file's field.
        page = await portal.get(path)
        reply = await portal.post(
            f"{path}/comments",
            data={**hidden(page), "body": "Here is the program you asked for."},
            files={"file": ("tool.pdf", b"MZ\x90\x00" + bytes(300), "application/pdf")},
        )
        assert reply.status_code == 422
        assert beside(reply, "reply-file") == REFUSED[:1].upper() + REFUSED[1:] + "."
        assert ">Here is the program you asked for.</textarea>" in reply.text
        assert await count(stack, TicketComment) == 0

        # Far past the limit, the browser's form is refused unread, on a page.
        cookie = "; ".join(f"{name}={value}" for name, value in portal.cookies.items())
        status, answer = await declared_only(stack, f"{path}/attachments", cookie=cookie)
        assert status == 413
        shown = answer.decode()
        assert "<h1>Too large to send</h1>" in shown
        assert "larger than the 4 KB a ticket&#39;s file may be, so nothing was sent" in shown

        # The ticket fills up: a reply's file is refused beside its field, the reply kept.
        for n in range(PER_TICKET):
            page = await portal.get(path)
            kept = await portal.post(
                f"{path}/attachments",
                data=hidden(page),
                files={"file": (f"part-{n}.log", text_of(100), "text/plain")},
            )
            assert kept.status_code == 303, kept.text
            assert kept.headers["location"] == f"{path}?done=attached"
        page = await portal.get(kept.headers["location"])
        assert "Your file is attached to the ticket." in page.text
        assert [f"part-{n}.log" in page.text for n in range(PER_TICKET)] == [True] * PER_TICKET
        full = await portal.post(
            f"{path}/comments",
            data={**hidden(page), "body": "And one more."},
            files={"file": ("more.log", text_of(10), "text/plain")},
        )
        assert full.status_code == 409
        assert (
            beside(full, "reply-file")
            == "The ticket already keeps 3 files, as many as a ticket may."
        )
        assert ">And one more.</textarea>" in full.text
    assert await count(stack, TicketComment) == 0
    assert await count(stack, TicketAttachment) == PER_TICKET
