import re
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from jinja2 import UndefinedError

from activities.rendering import EmailRenderer, RenderedEmail
from activities.smtp import build_message, message_id
from models.asks import Asks
from models.enums import EmailEvent

SENDER = "Signoff <signoff@signoff.example>"
AT = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
SCRIPT = "<script>alert(1)</script>"
# The keys given by activities.email.EmailActivities._context.
CONTEXT_KEYS = (
    "recipient_name",
    "customer_name",
    "kind",
    "request_id",
    "status",
    "ticket_number",
    "request_url",
    "ticket_url",
    "comment",
    "activation_url",
    "activation_expires",
    "side",
    "purchaser_name",
    "responsibility",
    "approval_url",
    "approval_expires",
    "ticket_subject",
    "comment_author",
    "comment_capacity",
    "rejected_by",
    "approvers",
    "roles_moved",
    "on_behalf_reason",
    "asks",
    "copied",
    # The service target a warning is about, and when it falls due.
    "sla_target",
    "sla_due",
    "attachment_name",
    # Given by activities.sign_in.SignInActivities, to the sign-in email alone.
    "sign_in_url",
    "sign_in_minutes",
)
# Not about a request to its requester: a new contact's welcome, and the approvers' emails.
APPROVER_EVENTS = (EmailEvent.APPROVAL_REQUEST, EmailEvent.APPROVAL_REMINDER)
# Rendered by the shared layout, so present in every email.
LAYOUT_KEYS = ("recipient_name", "customer_name", "ticket_number", "request_url")
EVENTS_WITH_COMMENT = (
    EmailEvent.TICKET_COMMENT,
    EmailEvent.REQUEST_DECLINED,
    EmailEvent.REQUEST_RETURNED,
    EmailEvent.COMMENT_TO_SERVICE_TEAM,
    EmailEvent.REPLY_TO_APPROVER,
    EmailEvent.TICKET_REPLY,
)
# Emails that carry the approver's own link (a reply to an approver's question does too,
# while the link is open).
APPROVAL_LINK_EVENTS = (*APPROVER_EVENTS, EmailEvent.REPLY_TO_APPROVER)
# Emails that may go to an approver, who has no API access: they name the ticket, not the
# request.
NO_REQUEST_LINK_EVENTS = (EmailEvent.REQUEST_REJECTED, EmailEvent.REPLY_TO_APPROVER)
NEW_EVENTS = (
    EmailEvent.REQUEST_FILED,
    EmailEvent.TICKET_RAISED,
    EmailEvent.COMMENT_TO_SERVICE_TEAM,
    EmailEvent.REPLY_TO_APPROVER,
    EmailEvent.TICKET_REPLY,
    EmailEvent.ROLES_MOVED,
    EmailEvent.TICKET_COPIED,
)
# About a ticket that no request raised: no request, so no kind and no request link.
STAND_ALONE = {"kind": "", "request_url": "", "ticket_subject": "Invoice address is wrong"}
# About a request or a ticket: the ticket is named in the subject and the layout shows it.
REQUEST_EVENTS = [
    event
    for event in EmailEvent
    if event not in (EmailEvent.WELCOME, EmailEvent.SIGN_IN) and event not in APPROVER_EVENTS
]


def context(**overrides: Any) -> dict[str, Any]:
    values = {
        "recipient_name": "Derek Emonstration",
        "customer_name": "Example Energy plc",
        "kind": "profile change",
        "request_id": "6f1c1a52-3f0e-4d4b-9a63-0c6f1b1d2e3f",
        "status": "awaiting approval",
        "ticket_number": "SO-1042",
        "request_url": "http://signoff.test/portal/requests/6f1c1a52-3f0e-4d4b-9a63-0c6f1b1d2e3f",
        "ticket_url": "http://signoff.test/portal/tickets/SO-1042",
        "comment": "Please send the new VAT certificate.",
        "activation_url": "http://signoff.test/activate/abc123",
        "activation_expires": "28 March 2025",
        "side": "",
        "purchaser_name": "Purchase Partners Ltd",
        "responsibility": "financial",
        "approval_url": "http://signoff.test/approvals/def456",
        "approval_expires": "4 April 2025",
        "ticket_subject": "",
        "comment_author": "",
        "comment_capacity": "",
        "rejected_by": "",
        "approvers": 2,
        "roles_moved": "",
        "on_behalf_reason": "Hannah asked by phone.",
        "asks": Asks(
            what="add Purchase Partners Ltd as its purchaser organisation, responsible for "
            "financial matters",
            subject="add Purchase Partners Ltd as purchaser for Example Energy plc",
            facts=[],
            list_title="",
            items=[],
        ),
        "sign_in_url": "http://signoff.test/portal/sign-in/ghi789",
        "sign_in_minutes": 15,
        "copied": False,
        "sla_target": "first response",
        "sla_due": "28 March 2025, 17:00 UTC",
        "attachment_name": "",
    }
    assert set(values) == set(CONTEXT_KEYS)
    return {**values, **overrides}


def hostile_context(to_approver: bool = False) -> dict[str, Any]:
    """Every value carries markup that would break out of text and attributes if unescaped.

    ``side`` names the approver an email is for; it is empty in emails to the requester.
    ``approvers`` is a count, never text, so it stays a number.
    """
    values: dict[str, Any] = {
        key: f'"><x-evil data-key="{key}">&amp;{SCRIPT}' for key in CONTEXT_KEYS
    }
    values["approvers"] = 2
    values["sign_in_minutes"] = 15
    values["copied"] = True
    hostile = values["asks"]
    values["asks"] = Asks(what=hostile, subject=hostile, facts=[], list_title="", items=[])
    return values if to_approver else {**values, "side": ""}


@pytest.fixture(scope="module")
def renderer() -> EmailRenderer:
    return EmailRenderer()


def rendered(subject: str = "[SO-1042] Your request was received") -> RenderedEmail:
    return RenderedEmail(
        subject=subject,
        text="Hello Derek,\n\nYour request was received.\n",
        html="<p>Hello Derek,</p><p>Your request was received.</p>",
    )


def parts(message: EmailMessage) -> dict[str, str]:
    return {
        part.get_content_type(): part.get_content()
        for part in message.iter_parts()
        if isinstance(part, EmailMessage)
    }


def received(message: EmailMessage) -> EmailMessage:
    """The message as a receiving mail client parses it off the wire."""
    parsed = message_from_bytes(message.as_bytes(), policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


@pytest.mark.parametrize("event", REQUEST_EVENTS)
def test_every_event_renders(renderer: EmailRenderer, event: EmailEvent) -> None:
    email = renderer.render(event, context())

    assert email.subject.strip()
    assert "SO-1042" in email.subject
    assert "\n" not in email.subject
    assert "Derek Emonstration" in email.text
    assert "SO-1042" in email.text
    assert email.text.endswith("\n")
    assert "{{" not in email.text
    assert "{%" not in email.text
    assert email.html.lstrip().lower().startswith("<!doctype html>")
    assert "Derek Emonstration" in email.html
    assert "SO-1042" in email.html
    assert "{{" not in email.html


@pytest.mark.parametrize("event", EVENTS_WITH_COMMENT)
def test_comment_appears_in_both_parts(renderer: EmailRenderer, event: EmailEvent) -> None:
    email = renderer.render(event, context(comment="Please send the VAT certificate."))

    assert "Please send the VAT certificate." in email.text
    assert "Please send the VAT certificate." in email.html


@pytest.mark.parametrize("event", EVENTS_WITH_COMMENT)
def test_comment_markup_is_escaped_in_html_and_literal_in_text(
    renderer: EmailRenderer, event: EmailEvent
) -> None:
    email = renderer.render(event, context(comment=SCRIPT))

    assert SCRIPT not in email.html
    assert "<script" not in email.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in email.html
    assert SCRIPT in email.text
    assert "&lt;" not in email.text


# Emails about a reply (or a contact's comment) that may carry a file.
EVENTS_WITH_FILE = (
    EmailEvent.TICKET_COMMENT,
    EmailEvent.TICKET_REPLY,
    EmailEvent.COMMENT_TO_SERVICE_TEAM,
)


@pytest.mark.parametrize("event", EVENTS_WITH_FILE)
def test_a_file_is_named_and_found_on_the_ticket_page(
    renderer: EmailRenderer, event: EmailEvent
) -> None:
    email = renderer.render(event, context(attachment_name="signed form.pdf"))
    without = renderer.render(event, context())

    for part, bare in ((email.text, without.text), (email.html, without.html)):
        assert "carries a file, " in part and "signed form.pdf" in part
        assert "carries a file" not in bare
    assert "download it from the ticket's\npage, http://signoff.test/portal/tickets/SO-1042" in (
        email.text
    )
    assert 'download it from <a href="http://signoff.test/portal/tickets/SO-1042"' in email.html
    assert "signed form.pdf" not in email.subject


@pytest.mark.parametrize("event", REQUEST_EVENTS)
def test_html_escapes_every_context_value(renderer: EmailRenderer, event: EmailEvent) -> None:
    email = renderer.render(event, hostile_context())

    assert "<x-evil" not in email.html
    assert "<script" not in email.html
    # A rejection also goes to the other approver, and a reply to an approver's question to
    # the approver, so their HTML names the ticket, not the request.
    shown = [k for k in LAYOUT_KEYS if k != "request_url" or event not in NO_REQUEST_LINK_EVENTS]
    for key in shown:
        assert f"&#34;&gt;&lt;x-evil data-key=&#34;{key}&#34;&gt;&amp;amp;" in email.html
    if event in EVENTS_WITH_COMMENT:
        assert "data-key=&#34;comment&#34;" in email.html


@pytest.mark.parametrize("event", REQUEST_EVENTS)
def test_text_keeps_context_values_literal(renderer: EmailRenderer, event: EmailEvent) -> None:
    values = hostile_context()
    email = renderer.render(event, values)

    for key in LAYOUT_KEYS:
        if key != "request_url" or event not in NO_REQUEST_LINK_EVENTS:
            assert values[key] in email.text
    if event in EVENTS_WITH_COMMENT:
        assert values["comment"] in email.text
    assert values["ticket_number"] in email.subject


def test_subject_is_one_line_even_if_a_value_has_line_breaks(renderer: EmailRenderer) -> None:
    email = renderer.render(
        EmailEvent.REQUEST_RECEIVED, context(ticket_number="SO-1\r\nBcc: evil@example.com")
    )

    assert "\r" not in email.subject
    assert "\n" not in email.subject
    assert email.subject.startswith("[SO-1 Bcc: evil@example.com]")


@pytest.mark.parametrize("key", LAYOUT_KEYS)
def test_missing_context_value_is_an_error(renderer: EmailRenderer, key: str) -> None:
    # A misspelt key must fail loudly, not send an email with a blank where a name belongs.
    values = context()
    del values[key]

    with pytest.raises(UndefinedError):
        renderer.render(EmailEvent.REQUEST_RECEIVED, values)


def test_unknown_event_is_an_error(renderer: EmailRenderer) -> None:
    with pytest.raises(LookupError):
        renderer.render("no_such_event", context())


def test_message_id_is_stable_for_a_key() -> None:
    first = message_id("request:42:received", SENDER)

    assert first == message_id("request:42:received", SENDER)
    # Fixed across processes and releases: a retried send must carry the same id.
    assert first == "<94689c4bead16fa1a3abd90c24d8391cef1fa7d8@signoff.example>"


def test_message_id_differs_across_keys() -> None:
    ids = {message_id(f"request:{n}:received", SENDER) for n in range(200)}

    assert len(ids) == 200


@pytest.mark.parametrize(
    "sender, domain",
    [
        ("Signoff <signoff@signoff.example>", "signoff.example"),
        ("signoff@mail.example.com", "mail.example.com"),
        ('"Signoff, service team" <noreply@example.org>', "example.org"),
    ],
)
def test_message_id_uses_the_sender_domain(sender: str, domain: str) -> None:
    value = message_id("key", sender)

    assert re.fullmatch(rf"<[0-9a-f]{{40}}@{re.escape(domain)}>", value)


@pytest.mark.parametrize("sender", ["", "Signoff <>"])
def test_message_id_without_sender_address_uses_a_fallback_domain(sender: str) -> None:
    assert message_id("key", sender).endswith("@signoff.localhost>")


def test_message_id_for_sender_without_domain_uses_the_fallback_domain() -> None:
    assert message_id("key", "signoff").endswith("@signoff.localhost>")


def test_build_message_is_multipart_alternative() -> None:
    email = rendered()

    message = build_message(
        email, SENDER, "Derek Emonstration", "derek@example.com", "request:42:received", AT
    )

    assert message.get_content_type() == "multipart/alternative"
    assert {kind: body.strip() for kind, body in parts(message).items()} == {
        "text/plain": email.text.strip(),
        "text/html": email.html.strip(),
    }
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain",
        "text/html",
    ]


def test_build_message_headers_as_received() -> None:
    email = rendered()
    message = received(
        build_message(
            email, SENDER, "Derek Emonstration", "derek@example.com", "request:42:received", AT
        )
    )

    assert message["Subject"] == email.subject
    assert message["From"] == SENDER
    (to,) = message["To"].addresses
    assert to.display_name == "Derek Emonstration"
    assert to.addr_spec == "derek@example.com"
    assert message["Message-ID"] == message_id("request:42:received", SENDER)
    assert message["Date"].datetime == AT
    assert set(parts(message)) == {"text/plain", "text/html"}


def test_build_message_non_ascii_display_name_and_subject() -> None:
    message = received(
        build_message(
            rendered("[SO-7] Änderung für Zoë"), SENDER, "Zoë Ämann", "zoe@example.com", "k", AT
        )
    )

    assert message["Subject"] == "[SO-7] Änderung für Zoë"
    assert message["To"].addresses[0].display_name == "Zoë Ämann"


def test_build_message_quotes_a_display_name_with_specials() -> None:
    message = received(
        build_message(
            rendered(), SENDER, "Emonstration, Derek <boss>", "derek@example.com", "k", AT
        )
    )

    (to,) = message["To"].addresses
    assert to.display_name == "Emonstration, Derek <boss>"
    assert to.addr_spec == "derek@example.com"


@pytest.mark.parametrize(
    "to_name, to_address",
    [
        ("Derek\r\nBcc: evil@example.com", "derek@example.com"),
        ("Derek\nBcc: evil@example.com", "derek@example.com"),
        ("Derek\rBcc: evil@example.com", "derek@example.com"),
        ("Derek", "derek@example.com\r\nBcc: evil@example.com"),
    ],
)
def test_line_breaks_in_the_recipient_cannot_inject_a_header(to_name: str, to_address: str) -> None:
    # The headerregistry refuses CR/LF in address parts, so no message is ever built.
    with pytest.raises(ValueError, match="CR or LF"):
        build_message(rendered(), SENDER, to_name, to_address, "k", AT)


def test_welcome_carries_the_activation_link(renderer: EmailRenderer) -> None:
    email = renderer.render(EmailEvent.WELCOME, context())

    assert "Example Energy plc" in email.subject
    assert "http://signoff.test/activate/abc123" in email.text
    assert 'href="http://signoff.test/activate/abc123"' in email.html
    assert "28 March 2025" in email.text
    assert "SO-1042" not in email.text, "a new contact is not sent the request's ticket"


def test_sign_in_carries_its_link_and_nothing_of_a_request(renderer: EmailRenderer) -> None:
    email = renderer.render(EmailEvent.SIGN_IN, context())

    assert email.subject == "Your Signoff sign-in link"
    assert "http://signoff.test/portal/sign-in/ghi789" in email.text
    assert 'href="http://signoff.test/portal/sign-in/ghi789"' in email.html
    assert "15 minutes" in email.text
    assert "SO-1042" not in email.text and "SO-1042" not in email.html


def test_sign_in_escapes_every_value(renderer: EmailRenderer) -> None:
    email = renderer.render(EmailEvent.SIGN_IN, hostile_context())

    assert SCRIPT not in email.html
    assert "&lt;script&gt;" in email.html


def test_welcome_escapes_every_value(renderer: EmailRenderer) -> None:
    email = renderer.render(EmailEvent.WELCOME, hostile_context())

    assert SCRIPT not in email.html
    assert "&lt;script&gt;" in email.html


@pytest.mark.parametrize("event", APPROVER_EVENTS)
def test_approver_emails_carry_their_link_and_not_the_requesters(
    renderer: EmailRenderer, event: EmailEvent
) -> None:
    email = renderer.render(event, context(side="purchaser"))

    assert "SO-1042" in email.subject and "Purchase Partners Ltd" in email.subject
    assert "http://signoff.test/approvals/def456" in email.text
    assert 'href="http://signoff.test/approvals/def456"' in email.html
    assert "/requests/" not in email.text + email.html, "approvers have no API access"
    assert "4 April 2025" in email.text


@pytest.mark.parametrize("event", APPROVAL_LINK_EVENTS)
def test_approver_emails_escape_every_value(renderer: EmailRenderer, event: EmailEvent) -> None:
    email = renderer.render(event, hostile_context(to_approver=True))

    assert SCRIPT not in email.html
    assert "&lt;script&gt;" in email.html


def test_approvers_are_told_of_the_implementation_without_the_requesters_link(
    renderer: EmailRenderer,
) -> None:
    email = renderer.render(EmailEvent.REQUEST_IMPLEMENTED, context(side="customer"))

    assert email.subject == "[SO-1042] The profile change request was implemented"
    assert "you approved as the\napprover for the customer" in email.text
    assert "/requests/" not in email.text + email.html


def test_a_reply_to_an_approver_carries_their_link_and_not_the_requesters(
    renderer: EmailRenderer,
) -> None:
    email = renderer.render(EmailEvent.REPLY_TO_APPROVER, context(side="purchaser"))

    assert email.subject.startswith("[SO-1042] The service team replied to your question")
    assert "Example Energy plc's profile change request" in email.subject
    assert "http://signoff.test/approvals/def456" in email.text
    assert 'href="http://signoff.test/approvals/def456"' in email.html
    assert "4 April 2025" in email.text
    assert "/requests/" not in email.text + email.html, "approvers have no API access"
    assert "named as an approver" in email.text


def test_a_reply_to_an_approver_whose_link_is_spent_prints_no_empty_link(
    renderer: EmailRenderer,
) -> None:
    email = renderer.render(
        EmailEvent.REPLY_TO_APPROVER,
        context(side="purchaser", approval_url="", approval_expires=""),
    )

    assert "no longer open" in email.text
    assert "no longer open" in email.html
    assert "contact the service" in email.text
    assert 'href=""' not in email.html
    assert "open until" not in email.text + email.html


def test_rejection_to_the_requester_names_the_side_that_rejected(
    renderer: EmailRenderer,
) -> None:
    email = renderer.render(EmailEvent.REQUEST_REJECTED, context(rejected_by="purchaser"))

    assert "The approver for the purchaser rejected" in email.text
    assert "The approver for the purchaser rejected" in email.html
    assert "for the  " not in email.text
    assert "for the  " not in email.html
    assert "nothing left for you to decide" not in email.text


def test_rejection_to_the_other_approver_names_the_side_that_rejected(
    renderer: EmailRenderer,
) -> None:
    email = renderer.render(
        EmailEvent.REQUEST_REJECTED, context(side="customer", rejected_by="purchaser")
    )

    assert "The approver for the purchaser rejected" in email.text
    assert "The approver for the purchaser rejected" in email.html
    assert "approver for the customer" not in email.text + email.html
    assert "nothing left for you to decide" in email.text
    assert "nothing left for you to decide" in email.html
    assert "/requests/" not in email.text + email.html


def test_approval_by_one_approver_does_not_say_both(renderer: EmailRenderer) -> None:
    email = renderer.render(EmailEvent.REQUEST_APPROVED, context(approvers=1))

    assert "Both" not in email.text
    assert "Both" not in email.html
    assert "The approver has approved" in email.text
    assert "The approver has approved" in email.html


def test_approval_by_two_approvers_says_both(renderer: EmailRenderer) -> None:
    email = renderer.render(EmailEvent.REQUEST_APPROVED, context(approvers=2))

    assert "Both approvers have approved" in email.text
    assert "Both approvers have approved" in email.html


@pytest.mark.parametrize(
    "event, closed",
    [
        (EmailEvent.REQUEST_CANCELLED, "was cancelled"),
        (EmailEvent.REQUEST_DECLINED, "was declined by the service team"),
        (EmailEvent.REQUEST_EXPIRED, "expired before every approver decided"),
    ],
)
def test_a_closed_request_is_told_to_its_approvers_as_approvers(
    renderer: EmailRenderer, event: EmailEvent, closed: str
) -> None:
    email = renderer.render(event, context(side="customer"))

    for part in (" ".join(email.text.split()), " ".join(email.html.split())):
        assert "that you were asked" in part
        assert "customer's approver" in part
        assert closed in part
        assert "nothing left for you to decide" in part
        assert "file a new request" not in part
        assert "file it again" not in part
    assert "SO-1042" in email.subject
    assert not email.subject.startswith("[SO-1042] Your"), "the approver did not file it"
    assert "/requests/" not in email.text + email.html, "approvers have no API access"


@pytest.mark.parametrize("event", [EmailEvent.REQUEST_CANCELLED, EmailEvent.REQUEST_DECLINED])
def test_a_closed_request_tells_its_requester_to_file_a_new_one(
    renderer: EmailRenderer, event: EmailEvent
) -> None:
    email = renderer.render(event, context())

    assert "file a new request" in email.text
    assert "you were asked to approve" not in email.text


def test_the_decline_reason_is_for_the_requester_only(renderer: EmailRenderer) -> None:
    reason = "Please send the VAT certificate."

    to_requester = renderer.render(EmailEvent.REQUEST_DECLINED, context(comment=reason))
    to_approver = renderer.render(
        EmailEvent.REQUEST_DECLINED, context(side="purchaser", comment=reason)
    )

    assert reason in to_requester.text and reason in to_requester.html
    assert reason not in to_approver.text
    assert reason not in to_approver.html


@pytest.mark.parametrize(
    "event",
    [
        EmailEvent.TICKET_RAISED,
        EmailEvent.COMMENT_TO_SERVICE_TEAM,
        EmailEvent.TICKET_REPLY,
        EmailEvent.TICKET_COPIED,
    ],
)
def test_a_stand_alone_ticket_email_has_no_empty_request_link(
    renderer: EmailRenderer, event: EmailEvent
) -> None:
    email = renderer.render(event, context(**STAND_ALONE))

    assert "Request:" not in email.text
    assert not re.search(r"^Request:\s*$", email.text, re.MULTILINE)
    assert 'href=""' not in email.html
    assert "view the request" not in email.html
    assert "http://signoff.test/portal/tickets/SO-1042" in email.text
    assert 'href="http://signoff.test/portal/tickets/SO-1042"' in email.html
    assert "because of ticket SO-1042 of Example Energy plc" in email.text
    assert "because of ticket SO-1042 of Example Energy plc" in email.html
    assert "change request" not in email.text + email.html


@pytest.mark.parametrize("event", NEW_EVENTS)
def test_each_new_event_names_the_ticket_in_its_subject(
    renderer: EmailRenderer, event: EmailEvent
) -> None:
    values = context(
        side="purchaser" if event is EmailEvent.REPLY_TO_APPROVER else "",
        comment="Please send the VAT certificate.",
        comment_author="Derek Emonstration",
        comment_capacity="requester",
        roles_moved="financial",
    )
    if event in (EmailEvent.TICKET_RAISED, EmailEvent.TICKET_REPLY, EmailEvent.TICKET_COPIED):
        values.update(STAND_ALONE)

    email = renderer.render(event, values)

    assert email.subject.startswith("[SO-1042] ")
    assert "\n" not in email.subject


@pytest.mark.parametrize(
    "event",
    [
        EmailEvent.TICKET_RAISED,
        EmailEvent.TICKET_REPLY,
        EmailEvent.COMMENT_TO_SERVICE_TEAM,
        EmailEvent.TICKET_COPIED,
    ],
)
def test_a_stand_alone_tickets_subject_is_named_in_the_body_not_the_logged_subject(
    renderer: EmailRenderer, event: EmailEvent
) -> None:
    email = renderer.render(event, context(**STAND_ALONE))

    # Subjects are kept in the email log; a ticket's subject may name a person.
    assert "Invoice address is wrong" not in email.subject
    assert "Invoice address is wrong" in email.text


@pytest.mark.parametrize(
    "event, values",
    [
        (
            EmailEvent.COMMENT_TO_SERVICE_TEAM,
            {"comment_author": "Derek Emonstration", "comment_capacity": "requester"},
        ),
        (
            EmailEvent.COMMENT_TO_SERVICE_TEAM,
            {**STAND_ALONE, "comment_author": "Derek Emonstration", "comment_capacity": "contact"},
        ),
        (EmailEvent.REPLY_TO_APPROVER, {"side": "purchaser"}),
        (EmailEvent.TICKET_REPLY, STAND_ALONE),
    ],
)
def test_the_comment_of_a_ticket_email_is_quoted_and_escaped(
    renderer: EmailRenderer, event: EmailEvent, values: dict[str, Any]
) -> None:
    comment = "Is the <b>VAT</b> number & address right?"

    email = renderer.render(event, context(**values, comment=comment))

    assert comment in email.text
    assert "Is the &lt;b&gt;VAT&lt;/b&gt; number &amp; address right?" in email.html
    assert "<b>VAT</b>" not in email.html


def test_a_copied_contact_is_told_they_are_copied_and_the_raiser_that_it_is_theirs(
    renderer: EmailRenderer,
) -> None:
    to_raiser = renderer.render(EmailEvent.TICKET_REPLY, context(**STAND_ALONE, copied=False))
    to_copy = renderer.render(EmailEvent.TICKET_REPLY, context(**STAND_ALONE, copied=True))
    told = renderer.render(EmailEvent.TICKET_COPIED, context(**STAND_ALONE, copied=True))

    assert to_raiser.subject == "[SO-1042] The service team replied to your ticket"
    assert "copied" not in to_raiser.text + to_raiser.html
    assert to_copy.subject == "[SO-1042] The service team replied on a ticket you are copied on"
    assert "You are copied on this ticket" in to_copy.text
    assert "You are copied on this ticket" in to_copy.html
    assert "your ticket" not in to_copy.text + to_copy.html
    assert told.subject == "[SO-1042] You are copied on a ticket"
    for part in (told.text, told.html):
        assert "You are copied on ticket" in part and "Invoice address is wrong" in part
        assert "http://signoff.test/portal/tickets/SO-1042" in part


def test_a_filed_request_says_whom_it_waits_for(renderer: EmailRenderer) -> None:
    with_approvers = renderer.render(EmailEvent.REQUEST_FILED, context(approvers=2))
    with_one = renderer.render(EmailEvent.REQUEST_FILED, context(approvers=1))
    without = renderer.render(EmailEvent.REQUEST_FILED, context(approvers=0))

    assert with_approvers.subject == (
        "[SO-1042] A new profile change request from Example Energy plc"
    )
    assert "two named approvers" in with_approvers.text
    assert "named approver first" in with_one.text
    assert "approvers" not in with_one.text
    assert "waiting for the service team to review it" in without.text
    assert "approver" not in without.text
    for email in (with_approvers, without):
        assert 'href="http://signoff.test/portal/requests/' in email.html
        assert "review it here" in email.html


def test_a_raised_ticket_is_told_to_the_service_team(renderer: EmailRenderer) -> None:
    email = renderer.render(EmailEvent.TICKET_RAISED, context(**STAND_ALONE, comment=""))

    assert email.subject == "[SO-1042] Example Energy plc raised a ticket"
    assert "Example Energy plc raised ticket SO-1042" in email.text
    assert "Invoice address is wrong" in email.text
    assert 'href="http://signoff.test/portal/tickets/SO-1042"' in email.html


def test_an_approvers_question_is_worded_as_a_question(renderer: EmailRenderer) -> None:
    email = renderer.render(
        EmailEvent.COMMENT_TO_SERVICE_TEAM,
        context(comment_author="the purchaser's approver", comment_capacity="approver_question"),
    )

    assert email.subject.startswith("[SO-1042] An approver asks a question about")
    assert "profile change request of Example Energy plc" in email.subject
    assert "the purchaser's approver" in email.text
    assert 'href="http://signoff.test/portal/requests/' in email.html


def test_a_contacts_comment_names_its_author_and_the_ticket(renderer: EmailRenderer) -> None:
    email = renderer.render(
        EmailEvent.COMMENT_TO_SERVICE_TEAM,
        context(**STAND_ALONE, comment_author="Derek Emonstration", comment_capacity="contact"),
    )

    assert "asks a question" not in email.subject
    assert "Invoice address is wrong" in email.text
    assert "Derek Emonstration (contact) commented" in email.text
    assert "Derek Emonstration (contact) commented" in email.html
    # A stand-alone ticket has no request page: the reply goes on the ticket.
    assert "reply here: http://signoff.test/portal/tickets/SO-1042" in email.text


def test_a_staff_comment_names_who_wrote_it(renderer: EmailRenderer) -> None:
    by = "Sam Taylor (service team)"

    named = renderer.render(
        EmailEvent.TICKET_COMMENT, context(comment_author=by, comment_capacity="service_team")
    )
    unnamed = renderer.render(EmailEvent.TICKET_COMMENT, context(comment_author=""))

    assert f"{by} commented on ticket SO-1042" in named.text
    assert by in named.html
    assert "The service team commented on ticket SO-1042" in unnamed.text


@pytest.mark.parametrize(
    "moved, responsibility, subject, says",
    [
        ("financial", "financial", "Your financial role moved to", "financial matters"),
        (
            "financial, agreement",
            "both",
            "Your financial, agreement roles moved to",
            "financial and contractual matters",
        ),
    ],
)
def test_moved_roles_are_told_to_the_contact_who_held_them(
    renderer: EmailRenderer, moved: str, responsibility: str, subject: str, says: str
) -> None:
    email = renderer.render(
        EmailEvent.ROLES_MOVED, context(roles_moved=moved, responsibility=responsibility)
    )

    assert email.subject == f"[SO-1042] {subject} Purchase Partners Ltd"
    text = " ".join(email.text.split())
    assert "Example Energy plc's purchaser organisation, Purchase Partners Ltd" in text
    assert says in text
    assert "nothing for you to do" in text
    assert says in " ".join(email.html.split())
