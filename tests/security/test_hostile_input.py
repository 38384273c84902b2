"""Hostile input, end to end: markup stays inert in emails and pages, any Unicode arrives
intact, and nothing that could break an email header or the database gets in.

What is filed through the served API is followed out again: the API's answers, the emails
(both parts, decoded headers), the pages behind emailed links and the dev outbox's pages.
"""

from email import policy
from email.headerregistry import AddressHeader
from email.parser import BytesParser
from typing import Any

from markupsafe import escape

from devstack.outbox import CapturedMessage, create_outbox_app
from models.ticket import Ticket, TicketComment
from tests.conftest import PUBLIC_URL, Stack, serve
from tests.e2e.profile import NEW_LEGAL, count, request_rows, submitted
from tests.e2e.purchaser import (
    FORM,
    PAULA,
    PERCY,
    PURCHASER,
    URSULA,
    approval_links,
    filed_addition,
)
from tests.e2e.test_contact_change import ANNABELLE, contact_id, contacts, filed

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
HOSTILE_COMMENT = f"Is {SCRIPT} right? {BREAKOUT}"

ZOE = "Zoë Ångström-Łukasiewicz"
UNICODE_LEGAL: dict[str, Any] = {
    "name": f"株式会社テスト 🚀 {ZOE}",
    # Right-to-left text, and a combining diaeresis that must not be normalised away.
    "address": {
        "street": "Straße 1, חברת בדיקה",
        "city": "Mu\u0308nchen",
        "postal_code": "80331",
        "country": "DE",
    },
}
UNICODE_PAYMENT: dict[str, Any] = {
    "name": "\u200fشركة الاختبار 👩\u200d💻",
    "address": {
        "street": "Cafe\u0301 Road 7",
        "city": "Zürich",
        "postal_code": "8001",
        "country": "CH",
    },
}
UNICODE_COMMENT = "Grüße 👋🏽 — مرحبا — שלום — e\u0301"
UNICODE_NEWCOMER = {
    **ANNABELLE,
    "first_name": "Zoë",
    "last_name": "Ångström-Łukasiewicz 👩\u200d💻",
    "email": "zoe.angstrom@energy.example.com",
    "job_title": "Директор по продажам",
}


# The one script a page of Signoff loads: its own, from its layout.
OWN_SCRIPT = '<script src="/static/portal.js" defer></script>'


def assert_inert(html: str, *values: str) -> None:
    """Each value shows, escaped; no markup of the hostile values is left to run."""
    for value in values:
        assert str(escape(value)) in html, value
    assert html.count(OWN_SCRIPT) <= 1
    assert "<script" not in html.replace(OWN_SCRIPT, "") and "<img" not in html


def to_header(message: CapturedMessage) -> AddressHeader:
    """The To header, decoded as a mail client reads it."""
    header = BytesParser(policy=policy.default).parsebytes(message.raw)["To"]
    assert isinstance(header, AddressHeader)
    return header


async def outbox_pages(stack: Stack) -> dict[str, str]:
    """The dev outbox's index and each message's page, as a developer sees them."""
    async with serve(create_outbox_app(stack.mail.outbox)) as outbox:
        pages = {"/": (await outbox.get("/")).text}
        for message in stack.mail.messages:
            path = f"/messages/{message.id}"
            pages[path] = (await outbox.get(path)).text
    return pages


def assert_shown_inert(pages: dict[str, str], message: CapturedMessage, *values: str) -> None:
    """The outbox shows the message's values escaped, its HTML part only as an escaped
    sandboxed srcdoc, and nowhere any markup of theirs."""
    page = pages[f"/messages/{message.id}"]
    assert_inert(page, *values)
    assert message.html is not None and str(escape(message.html)) in page
    for shown in pages.values():
        assert "<script" not in shown and "<img" not in shown


async def activation_page(stack: Stack, welcome: CapturedMessage) -> str:
    """The page behind the welcome email's activation link."""
    link = next(url for url in welcome.links if url.startswith(f"{PUBLIC_URL}/activate/"))
    shown = await stack.http.get(link.removeprefix(PUBLIC_URL))
    assert shown.status_code == 200, shown.text
    return shown.text


async def implement(stack: Stack, request_id: str) -> None:
    """The service team confirms the request."""
    response = await stack.http.post(f"/requests/{request_id}/implement", headers=stack.auth("Sam"))
    assert response.status_code == 200, response.text


async def test_markup_in_a_profile_change_and_a_comment_stays_inert(stack: Stack) -> None:
    name = f"Acme {SCRIPT} plc"
    legal = {"name": name, "address": {**NEW_LEGAL["address"], "street": BREAKOUT}}
    request = await submitted(stack, legal=legal)
    assert request["requested"]["legal"] == legal
    commented = await stack.http.post(
        f"/tickets/{request['ticket_number']}/comments",
        json={"body": HOSTILE_COMMENT},
        headers=stack.auth("Sam"),
    )
    assert commented.status_code == 201 and commented.json()["body"] == HOSTILE_COMMENT
    replied = await stack.wait_for_mail(lambda m: "replied" in m.subject)
    await implement(stack, request["id"])
    done = await stack.wait_for_mail(lambda m: "implemented" in m.subject)

    profile = await stack.http.get(f"/customers/{stack.customer_id}", headers=stack.auth("Derek"))
    assert profile.json()["legal"] == legal, "JSON carries the value as given"
    # The text parts carry it literally; the HTML parts escaped.
    assert HOSTILE_COMMENT in (replied.text or "") and name in (done.text or "")
    assert_inert(replied.html or "", HOSTILE_COMMENT)
    assert_inert(done.html or "", name)
    pages = await outbox_pages(stack)
    assert_shown_inert(pages, replied, HOSTILE_COMMENT)
    assert_shown_inert(pages, done, name)


async def test_markup_in_a_new_contacts_name_stays_inert(stack: Stack) -> None:
    newcomer = {**ANNABELLE, "first_name": SCRIPT, "last_name": BREAKOUT, "job_title": SCRIPT}
    request = await filed(
        stack, {"changes": [{"op": "add", "contact": newcomer, "roles": ["technical"]}]}
    )
    assert request["requested"]["changes"][0]["contact"] == newcomer
    await implement(stack, request["id"])
    welcome = await stack.wait_for_mail(lambda m: "Welcome" in m.subject)

    name = f"{SCRIPT} {BREAKOUT}"
    added = (await contacts(stack))[SCRIPT]
    assert (added["last_name"], added["job_title"]) == (BREAKOUT, SCRIPT)
    assert f"Hello {name}," in (welcome.text or "")
    assert_inert(welcome.html or "", name)
    assert to_header(welcome).addresses[0].display_name == name
    assert_inert(await activation_page(stack, welcome), name)
    assert_shown_inert(await outbox_pages(stack), welcome, name)


async def test_markup_in_a_purchaser_addition_stays_inert_on_the_approval_page(
    stack: Stack,
) -> None:
    purchaser_name, approver_name = f"Buyer {SCRIPT} Ltd", f"Ursula {BREAKOUT}"
    purchaser = {"name": purchaser_name, "address": {**PURCHASER["address"], "street": BREAKOUT}}
    form = {
        **FORM,
        "purchaser": purchaser,
        "contacts": [{**PAULA, "first_name": SCRIPT, "last_name": BREAKOUT}],
        "approvers": {
            "customer": {**URSULA, "name": approver_name},
            "purchaser": {**PERCY, "name": f"Percy {SCRIPT}"},
        },
    }
    request = await filed_addition(stack, form)
    assert request["requested"]["purchaser"] == purchaser
    links = await approval_links(stack)
    asking = await stack.wait_for_mail(lambda m: m.recipients == (URSULA["email"],))
    assert purchaser_name in asking.subject
    assert_inert(asking.html or "", approver_name, purchaser_name)

    # The page lists the purchaser, its address and its contacts ("first last (roles)").
    shown = await stack.http.get(links["customer"])
    assert_inert(shown.text, approver_name, purchaser_name, BREAKOUT, f"{SCRIPT} {BREAKOUT}")
    asked = await stack.http.post(
        f"{links['customer']}/comments", data={"comment": HOSTILE_COMMENT}, follow_redirects=True
    )
    assert asked.status_code == 200
    assert_inert(asked.text, HOSTILE_COMMENT, approver_name)
    pages = await outbox_pages(stack)
    assert_inert(pages["/"], purchaser_name)
    assert_shown_inert(pages, asking, approver_name, purchaser_name)


async def test_unicode_round_trips_through_the_api_and_the_emails(stack: Stack) -> None:
    request = await submitted(stack, legal=UNICODE_LEGAL, payment=UNICODE_PAYMENT)
    assert request["requested"] == {"legal": UNICODE_LEGAL, "payment": UNICODE_PAYMENT}
    number = request["ticket_number"]
    commented = await stack.http.post(
        f"/tickets/{number}/comments", json={"body": UNICODE_COMMENT}, headers=stack.auth("Sam")
    )
    assert commented.status_code == 201 and commented.json()["body"] == UNICODE_COMMENT
    replied = await stack.wait_for_mail(lambda m: "replied" in m.subject)
    assert UNICODE_COMMENT in (replied.text or "") and UNICODE_COMMENT in (replied.html or "")
    await implement(stack, request["id"])
    profile = (
        await stack.http.get(f"/customers/{stack.customer_id}", headers=stack.auth("Derek"))
    ).json()
    assert (profile["legal"], profile["payment"]) == (UNICODE_LEGAL, UNICODE_PAYMENT)
    ticket = (await stack.http.get(f"/tickets/{number}", headers=stack.auth("Derek"))).json()
    assert ticket["comments"][0]["body"] == UNICODE_COMMENT

    # The new name in a subject, and a new contact's name in a greeting and a To header.
    added = await filed(
        stack, {"changes": [{"op": "add", "contact": UNICODE_NEWCOMER, "roles": ["technical"]}]}
    )
    assert added["requested"]["changes"][0]["contact"] == UNICODE_NEWCOMER
    await implement(stack, added["id"])
    welcome = await stack.wait_for_mail(lambda m: "Welcome" in m.subject)
    name = f"{UNICODE_NEWCOMER['first_name']} {UNICODE_NEWCOMER['last_name']}"
    assert welcome.subject.endswith(f"for {UNICODE_LEGAL['name']}")
    assert f"Hello {name}," in (welcome.text or "") and name in (welcome.html or "")
    assert UNICODE_LEGAL["name"] in (welcome.html or "")
    assert to_header(welcome).addresses[0].display_name == name
    shown = await activation_page(stack, welcome)
    assert name in shown and UNICODE_LEGAL["name"] in shown
    zoe = (await contacts(stack))["Zoë"]
    assert {field: zoe[field] for field in ("last_name", "job_title")} == {
        "last_name": UNICODE_NEWCOMER["last_name"],
        "job_title": UNICODE_NEWCOMER["job_title"],
    }


LINE_BREAKS = ("\r\n", "\n", "\r", "\x85", "\u2028")


async def test_names_that_could_break_an_email_header_are_refused(stack: Stack) -> None:
    """Every name that reaches a header (a recipient's name, a subject) must be one line.
    Stored names that slipped through anyway are covered in test_crash_safety."""
    customer = f"/customers/{stack.customer_id}"
    for line_break in LINE_BREAKS:
        evil = f"Eve{line_break}Bcc: everyone@example.com"
        filings: list[tuple[str, dict[str, Any], set[str]]] = [
            ("profile-change", {"legal": {**NEW_LEGAL, "name": evil}}, {"name"}),
            (
                "contact-change",
                {
                    "changes": [
                        {
                            "op": "add",
                            "contact": {**ANNABELLE, "first_name": evil},
                            "roles": ["technical"],
                        },
                        {
                            "op": "update",
                            "contact_id": contact_id(stack, "Teresa"),
                            "fields": {"last_name": evil},
                        },
                    ]
                },
                {"first_name", "last_name"},
            ),
            (
                "purchaser-addition",
                {
                    **FORM,
                    "approvers": {"customer": URSULA, "purchaser": {**PERCY, "name": evil}},
                    "contacts": [{**PAULA, "last_name": evil}],
                },
                {"name", "last_name"},
            ),
        ]
        for kind, body, fields in filings:
            response = await stack.http.post(
                f"{customer}/{kind}-requests", json=body, headers=stack.auth("Derek")
            )
            assert response.status_code == 422, (kind, repr(line_break), response.text)
            named = {p["loc"][-1] for p in response.json()["detail"] if "single line" in p["msg"]}
            assert named == fields, (kind, repr(line_break))
    assert await request_rows(stack) == 0
    assert stack.mail.messages == []


async def test_names_that_could_read_as_other_text_are_refused(stack: Stack) -> None:
    """A right-to-left override makes "Invoice\u202efdp.exe" read as "Invoiceexe.pdf"."""
    customer = f"/customers/{stack.customer_id}"
    for control in ("\u202e", "\u202d", "\u2067"):
        spoof = {"legal": {**NEW_LEGAL, "name": f"Energy{control}dtL ygrenE"}}
        refused = await stack.http.post(
            f"{customer}/profile-change-requests", json=spoof, headers=stack.auth("Derek")
        )
        assert refused.status_code == 422, (repr(control), refused.text)
        assert "bidirectional" in refused.json()["detail"][0]["msg"]
    assert await request_rows(stack) == 0

    right_to_left = {"legal": {**NEW_LEGAL, "name": "شركة الطاقة \u200fEnergy"}}
    filed = await stack.http.post(
        f"{customer}/profile-change-requests", json=right_to_left, headers=stack.auth("Derek")
    )
    assert filed.status_code == 201, filed.text
    assert filed.json()["requested"]["legal"]["name"] == "شركة الطاقة \u200fEnergy"


async def test_nul_characters_are_refused_never_a_server_error(stack: Stack) -> None:
    """Found by schemathesis: PostgreSQL cannot store NUL in text, and answered 500."""
    request = await submitted(stack)
    await filed_addition(stack)
    links = await approval_links(stack)
    number = request["ticket_number"]
    tickets, comments = await count(stack, Ticket), await count(stack, TicketComment)
    refused = [
        await stack.http.post(
            "/tickets",
            json={"subject": "Hello", "body": "a\x00b", "shared": False},
            headers=stack.auth("Derek"),
        ),
        await stack.http.post(
            f"/tickets/{number}/comments", json={"body": "a\x00b"}, headers=stack.auth("Derek")
        ),
        await stack.http.post(
            f"/requests/{request['id']}/decline",
            json={"reason": "a\x00b"},
            headers=stack.auth("Sam"),
        ),
        await stack.http.get("/tickets/SO-%00", headers=stack.auth("Derek")),
        await stack.http.post(f"{links['customer']}/comments", data={"comment": "a\x00b"}),
        await stack.http.post(links["customer"], data={"decision": "approve", "comment": "a\x00b"}),
    ]
    for response in refused:
        assert response.status_code == 422, (response.request.url, response.text)
        assert "must not contain NUL characters" in response.text
    assert (await count(stack, Ticket), await count(stack, TicketComment)) == (tickets, comments)
    still = await stack.http.get(f"/requests/{request['id']}", headers=stack.auth("Derek"))
    assert still.json()["status"] == "in_review"
    assert (await stack.http.get(links["customer"])).status_code == 200, "not decided"


async def test_a_lone_surrogate_is_refused_never_a_server_error(stack: Stack) -> None:
    """JSON may escape half of a UTF-16 pair (``\\ud800``), which no text can hold: every
    body that carries one is refused with a JSON 422 that echoes it escaped."""
    request = await submitted(stack)
    number = request["ticket_number"]
    address = '{"street": "1 Way", "city": "Leeds", "postal_code": "LS1", "country": "GB"}'
    bodies = {
        "/tickets": '{"subject": "\\ud800", "body": "x", "shared": false}',
        f"/tickets/{number}/comments": '{"body": "a\\udfffb"}',
        f"/customers/{stack.customer_id}/profile-change-requests": (
            f'{{"legal": {{"name": "Energy \\ud83d", "address": {address}}}}}'
        ),
        f"/customers/{stack.customer_id}/contact-change-requests": (
            '{"changes": [{"op": "add", "roles": ["technical"], "contact": '
            '{"first_name": "\\ud800", "last_name": "X", "email": "x@energy.example.com"}}]}'
        ),
        f"/requests/{request['id']}/decline": '{"reason": "\\udc00"}',
    }
    tickets, comments = await count(stack, Ticket), await count(stack, TicketComment)
    for path, body in bodies.items():
        who = "Sam" if path.endswith("decline") else "Derek"
        refused = await stack.http.post(
            path, content=body, headers={**stack.auth(who), "Content-Type": "application/json"}
        )
        assert refused.status_code == 422, (path, refused.text)
        assert refused.headers["content-type"] == "application/json"
        assert "\\\\ud" in refused.text, "the input is echoed as its escape"
    assert (await count(stack, Ticket), await count(stack, TicketComment)) == (tickets, comments)
    assert await request_rows(stack) == 1
    still = await stack.http.get(f"/requests/{request['id']}", headers=stack.auth("Derek"))
    assert still.json()["status"] == "in_review"
