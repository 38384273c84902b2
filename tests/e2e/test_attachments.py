"""Files attached to tickets, on the real stack: a signed form uploaded by a contact and
downloaded, as a download, by whoever sees the ticket and by nobody else; files refused for
their kind, whatever they are called; a reply's file named in its email, which carries none;
and an upload sent twice with one Idempotency-Key (each time in a multipart body of its own
boundary) kept once."""

import sys
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import select

from api.main import create_app
from models.attachment import TicketAttachment
from models.audit import AuditEvent
from models.ticket import TicketComment
from tests.conftest import PUBLIC_URL, Stack, serve
from tests.e2e.profile import count
from tests.e2e.purchaser import assign_purchaser, filed_addition
from tests.e2e.test_purchaser_removal import bearer, raise_ticket
from tests.portal.test_tickets import hidden, signed_in

SAMPLES = Path(__file__).parent.parent / "models" / "samples"
PDF = (SAMPLES / "signed-form.pdf").read_bytes()
PNG = (SAMPLES / "python.png").read_bytes()
BMP = (SAMPLES / "python.bmp").read_bytes()
# The start of an executable: this Python itself.
EXECUTABLE = Path(sys.executable).resolve().read_bytes()[:20_000]
REFUSED = "this kind of file cannot be attached: PDF, images, text, CSV and office documents can"


async def upload(
    stack: Stack,
    number: str,
    headers: dict[str, str],
    name: str,
    data: bytes,
    claimed: str = "application/octet-stream",
) -> httpx.Response:
    return await stack.http.post(
        f"/tickets/{number}/attachments", files={"file": (name, data, claimed)}, headers=headers
    )


def no_file_in(raw: bytes) -> bool:
    """Whether an email, as it arrived, carries no file (no part with a name)."""
    message = message_from_bytes(raw, policy=default)
    return all(part.get_filename() is None for part in message.walk())


async def test_a_signed_form_is_downloaded_by_those_who_see_the_ticket_and_nobody_else(
    stack: Stack,
) -> None:
    paula = bearer(await assign_purchaser(stack))
    number = await raise_ticket(stack, stack.auth("Timothy"), "Signed form", False)
    # The browser says it is a picture; its content says it is a PDF.
    sent = await upload(
        stack, number, stack.auth("Timothy"), "Formulaire signé.pdf", PDF, "image/png"
    )
    assert sent.status_code == 201, sent.text
    attachment: dict[str, Any] = sent.json()
    assert attachment["filename"] == "Formulaire signé.pdf"
    assert attachment["content_type"] == "application/pdf"
    assert attachment["size"] == len(PDF)
    assert attachment["comment_id"] is None
    assert attachment["uploaded_by"] == "Timothy Ester"
    path = f"/tickets/{number}/attachments/{attachment['id']}"

    for who in ("Teresa", "Derek", "Sam"):
        got = await stack.http.get(path, headers=stack.auth(who))
        assert got.status_code == 200, (who, got.text)
        assert got.content == PDF
        assert got.headers["content-type"] == "application/pdf"
        assert got.headers["content-disposition"] == (
            'attachment; filename="Formulaire sign_.pdf"; '
            "filename*=UTF-8''Formulaire%20sign%C3%A9.pdf"
        )
        assert got.headers["x-content-type-options"] == "nosniff"
        assert got.headers["cache-control"] == "private, no-store"
        ticket = (await stack.http.get(f"/tickets/{number}", headers=stack.auth(who))).json()
        assert [a["filename"] for a in ticket["attachments"]] == ["Formulaire signé.pdf"]
        assert "data" not in ticket["attachments"][0]

    # Another customer's contact, and the purchaser's contact on the customer's own ticket:
    # as if there were no such ticket or file, and the lists do not show it.
    for who, headers in (("Olive", stack.auth("Olive")), ("Paula", paula)):
        refused = await stack.http.get(path, headers=headers)
        assert refused.status_code == 404, (who, refused.text)
        assert PDF not in refused.content
        listed = (await stack.http.get("/tickets", headers=headers)).json()
        assert "Formulaire" not in str(listed)
        sneaked = await upload(stack, number, headers, "mine.pdf", PDF)
        assert sneaked.status_code == 404, (who, sneaked.text)
    assert (await stack.http.get(path)).status_code == 401

    # The file is the ticket's: another ticket's number (one its caller sees) does not reach it.
    other = await raise_ticket(stack, stack.auth("Teresa"), "Something else", False)
    wrong = await stack.http.get(
        f"/tickets/{other}/attachments/{attachment['id']}", headers=stack.auth("Teresa")
    )
    assert wrong.status_code == 404
    for not_an_id in ("٣", "1e3", "-1", "99999999999999999999"):
        odd = await stack.http.get(
            f"/tickets/{number}/attachments/{not_an_id}", headers=stack.auth("Sam")
        )
        assert odd.status_code in (404, 422), (not_an_id, odd.text)
        assert odd.content != PDF

    async with stack.sessions() as session:
        events = list(
            await session.exec(select(AuditEvent).where(AuditEvent.action == "attachment_added"))
        )
    assert [event.detail for event in events] == [
        {
            "ticket": number,
            "side": "customer",
            "shared": False,
            "attachment": attachment["id"],
            "size": len(PDF),
        }
    ]
    assert await count(stack, TicketAttachment) == 1


async def test_a_file_is_known_by_its_content_whatever_it_is_called(stack: Stack) -> None:
    number = await raise_ticket(stack, stack.auth("Teresa"), "Invoices", False)
    teresa = stack.auth("Teresa")
    for name, data, claimed in (
        ("invoice.pdf", EXECUTABLE, "application/pdf"),
        (
            "invoice.pdf",
            b"<!DOCTYPE html><html><script>alert(1)</script></html>",
            "application/pdf",
        ),
        ("chart.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/png"),
        ("scan.bmp", BMP, "image/bmp"),
    ):
        refused = await upload(stack, number, teresa, name, data, claimed)
        assert refused.status_code == 422, (name, refused.text)
        assert refused.json()["detail"] == [
            {"loc": ["body", "file"], "msg": REFUSED, "type": "value_error"}
        ]
    empty = await upload(stack, number, teresa, "empty.txt", b"")
    assert empty.status_code == 422
    assert empty.json()["detail"][0]["msg"] == "the file is empty"
    missing = await stack.http.post(
        f"/tickets/{number}/attachments", data={"note": "no file"}, headers=teresa
    )
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "file"]
    assert await count(stack, TicketAttachment) == 0

    # Text is text, and a CSV is one by its name; a picture is known whatever it is called.
    accepted = {
        "totals.csv": (b"month,total\nMarch,1182.50\n", "text/csv", "totals.csv"),
        "notes": ("Grüße, the invoice is wrong.\n".encode(), "text/plain", "notes.txt"),
        "report.pdf": (PNG, "image/png", "report.pdf.png"),
    }
    for name, (data, kind, shown) in accepted.items():
        kept = await upload(stack, number, teresa, name, data, "application/pdf")
        assert kept.status_code == 201, kept.text
        assert (kept.json()["content_type"], kept.json()["filename"]) == (kind, shown)
        got = await stack.http.get(
            f"/tickets/{number}/attachments/{kept.json()['id']}", headers=teresa
        )
        assert got.content == data
        assert got.headers["content-type"].split(";")[0] == kind
    csv = await stack.http.get(f"/tickets/{number}", headers=teresa)
    assert [a["filename"] for a in csv.json()["attachments"]] == [
        "totals.csv",
        "notes.txt",
        "report.pdf.png",
    ]


async def test_an_upload_sent_twice_with_one_key_is_kept_once(stack: Stack) -> None:
    number = await raise_ticket(stack, stack.auth("Teresa"), "Twice", False)
    keyed = {**stack.auth("Teresa"), "Idempotency-Key": "one-upload"}
    first = await upload(stack, number, keyed, "form.pdf", PDF)
    again = await upload(stack, number, keyed, "form.pdf", PDF)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    # The key names that file: another sent with it is refused, not kept.
    other = await upload(stack, number, keyed, "form.pdf", PNG)
    assert other.status_code == 422, other.text
    assert "different request" in other.text
    assert await count(stack, TicketAttachment) == 1


async def test_a_reply_carries_a_file_that_its_emails_name_and_never_carry(stack: Stack) -> None:
    teresa_email = "teresa.echie@energy.example.com"
    async with signed_in(stack, teresa_email) as teresa:
        page = await teresa.get("/portal/tickets/new")
        raised = await teresa.post(
            "/portal/tickets",
            data={**hidden(page), "subject": "Invoice", "description": "See the scan."},
        )
        assert raised.status_code == 303
        path = raised.headers["location"].split("?")[0]
        number = path.rsplit("/", 1)[-1]
        page = await teresa.get(path)
        replied = await teresa.post(
            f"{path}/comments",
            data={**hidden(page), "body": "Here is the scan."},
            files={"file": ("scan.png", PNG, "image/png")},
        )
        assert replied.status_code == 303, replied.text
        shown = await teresa.get(path)
        assert "Attached: <a" in shown.text and "scan.png" in shown.text

    told = await stack.wait_for_mail(
        lambda m: (
            m.recipients == (stack.settings.service_team_email,) and "A new comment" in m.subject
        )
    )
    assert "Here is the scan." in (told.text or "")
    assert "The comment carries a file, scan.png" in (told.text or "")
    assert f"{PUBLIC_URL}/portal/tickets/{number}" in told.links
    assert "scan.png" not in told.subject

    ticket = (await stack.http.get(f"/tickets/{number}", headers=stack.auth("Sam"))).json()
    reply = ticket["comments"][-1]
    assert ticket["attachments"][0]["comment_id"] == reply["id"]

    # The service team's reply with a file: Teresa, who raised the ticket, is told of it.
    async with signed_in(stack, str(stack.demo["staff"][0]["email"])) as sam:
        page = await sam.get(path)
        answered = await sam.post(
            f"{path}/comments",
            data={**hidden(page), "body": "The corrected invoice."},
            files={"file": ("invoice.pdf", PDF, "application/pdf")},
        )
        assert answered.status_code == 303, answered.text
    reply_mail = await stack.wait_for_mail(
        lambda m: m.recipients == (teresa_email,) and "replied" in m.subject
    )
    assert "The reply carries a file, invoice.pdf" in (reply_mail.text or "")
    assert "invoice.pdf</strong>" in (reply_mail.html or "")
    assert all(no_file_in(message.raw) for message in stack.mail.messages)
    assert PDF[:8] not in reply_mail.raw
    assert await count(stack, TicketAttachment) == 2


async def test_a_reply_on_a_request_page_carries_a_file_but_never_to_an_approver(
    stack: Stack,
) -> None:
    addition = await filed_addition(stack)
    path = f"/portal/requests/{addition['id']}"
    async with signed_in(stack, str(stack.demo["staff"][0]["email"])) as sam:
        page = await sam.get(path)
        to_approver = await sam.post(
            f"{path}/reply",
            data={**hidden(page), "body": "The form to sign.", "to_approver": "purchaser"},
            files={"file": ("form.pdf", PDF, "application/pdf")},
        )
        assert to_approver.status_code == 422, to_approver.text
        assert "A file cannot go to an approver" in to_approver.text
        assert ">The form to sign.</textarea>" in to_approver.text
        assert '<option value="purchaser" selected>' in to_approver.text
        assert await count(stack, TicketComment) == 0

        page = await sam.get(path)
        on_ticket = await sam.post(
            f"{path}/reply",
            data={**hidden(page), "body": "The form to sign.", "to_approver": ""},
            files={"file": ("form.pdf", PDF, "application/pdf")},
        )
        assert on_ticket.status_code == 303, on_ticket.text
        shown = await sam.get(path)
        assert "Attached: <a" in shown.text and "form.pdf" in shown.text
    told = await stack.wait_for_mail(
        lambda m: (
            m.recipients == ("derek.emonstration@energy.example.com",)
            and "The form to sign." in (m.text or "")
        )
    )
    assert "The reply carries a file, form.pdf" in (told.text or "")
    assert no_file_in(told.raw)
    ticket = (
        await stack.http.get(f"/tickets/{addition['ticket_number']}", headers=stack.auth("Derek"))
    ).json()
    assert [a["filename"] for a in ticket["attachments"]] == ["form.pdf"]
    assert ticket["attachments"][0]["comment_id"] == ticket["comments"][-1]["id"]


async def test_a_reply_that_cannot_be_told_takes_its_file_back(stack: Stack) -> None:
    """Temporal unreachable: the reply is taken back, and the file it carried with it (and
    the file's audit event); the page says so, the reply typed as it was."""
    unreachable = stack.settings.model_copy(update={"temporal_address": "127.0.0.1:1"})
    number = await raise_ticket(stack, stack.auth("Teresa"), "Scan", False)
    path = f"/portal/tickets/{number}"
    async with signed_in(stack, "teresa.echie@energy.example.com") as teresa:
        page = await teresa.get(path)
        async with serve(create_app(unreachable)) as down:
            down.cookies = teresa.cookies
            answer = await down.post(
                f"{path}/comments",
                data={**hidden(page), "body": "The scan."},
                files={"file": ("scan.png", PNG, "image/png")},
            )
        assert answer.status_code == 503, answer.text
        assert ">The scan.</textarea>" in answer.text
        assert "scan.png" not in answer.text
    assert await count(stack, TicketComment) == 0
    assert await count(stack, TicketAttachment) == 0
    assert await count(stack, AuditEvent, AuditEvent.action == "attachment_added") == 0
