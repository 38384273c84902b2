"""Contacts copied on a ticket, on the real stack: told they are copied, emailed each of the
service team's replies as the raiser is (once each, never of the contacts' own comments),
emailed nothing once taken off; who may copy whom, and the other organisation's contacts only
on a shared ticket."""

import uuid
from typing import Any

import httpx
import pytest
from sqlmodel import col, select
from temporalio.testing import ActivityEnvironment

from activities.email import EmailActivities, MailSettings
from activities.rendering import EmailRenderer
from models.audit import AuditEvent
from models.email_log import EmailLog
from models.enums import Audience, EmailEvent
from models.payloads import Notification
from models.types import utcnow
from tests.conftest import PUBLIC_URL, Stack
from tests.e2e.profile import submitted
from tests.e2e.purchaser import PAULA, assign_purchaser
from tests.e2e.test_contact_change import contact_id, contacts
from tests.e2e.test_conversation import (
    DEREK,
    SERVICE_TEAM,
    TERESA,
    comment,
    logged,
    nobody_else,
    settled,
    titled,
    to,
)
from tests.e2e.test_purchaser_removal import bearer, raise_ticket
from tests.e2e.test_service_desk import until_status
from worker import smtp_mailer

TIMOTHY = "timothy.ester@energy.example.com"
URSULA = "ursula.ser@energy.example.com"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # A resolved ticket closes soon (its clock).
    return {"ticket_close_after_seconds": 2}


async def copy(stack: Stack, number: str, contact: str, headers: dict[str, str]) -> httpx.Response:
    return await stack.http.post(
        f"/tickets/{number}/participants", json={"contact_id": contact}, headers=headers
    )


async def uncopy(
    stack: Stack, number: str, contact: str, headers: dict[str, str]
) -> httpx.Response:
    return await stack.http.delete(f"/tickets/{number}/participants/{contact}", headers=headers)


async def test_a_copied_contact_hears_every_reply_once_and_nothing_once_taken_off(
    stack: Stack,
) -> None:
    """Timothy raises a ticket and copies Teresa: she is told so, then emailed each of Sam's
    replies (once each, as Timothy is), but neither Timothy's comments nor her own; once
    Derek takes her off, she hears nothing more."""
    timothy, derek = stack.auth("Timothy"), stack.auth("Derek")
    number = await raise_ticket(stack, timothy, "VPN access", False)
    teresa = contact_id(stack, "Teresa")

    copied = await copy(stack, number, teresa, timothy)
    assert copied.status_code == 201, copied.text
    participant = copied.json()
    assert participant["contact_id"] == teresa and participant["name"] == "Teresa Echie"
    assert participant["side"] == "customer"
    told = await stack.wait_for_mail(titled(TERESA, "You are copied on a ticket"))
    assert number in told.subject and f"{PUBLIC_URL}/portal/tickets/{number}" in told.links
    assert "VPN access" in (told.text or "")

    # Copied already: the same copy, nothing new, nobody told twice.
    again = await copy(stack, number, teresa, derek)
    assert again.status_code == 200, again.text
    assert again.json() == participant
    # Whoever raised it hears every reply already.
    raiser = await copy(stack, number, contact_id(stack, "Timothy"), derek)
    assert raiser.status_code == 409 and "raised the ticket" in raiser.json()["detail"]

    shown = (await stack.http.get(f"/tickets/{number}", headers=timothy)).json()
    assert shown["participants"] == [participant]

    for reply in ("Which office are you in?", "Access is granted."):
        assert (await comment(stack, number, "Sam", reply)).status_code == 201
        heard = await stack.wait_for_mail(to(TERESA, reply))
        assert heard.subject == f"[{number}] The service team replied on a ticket you are copied on"
        assert f"{PUBLIC_URL}/portal/tickets/{number}" in heard.links
        raised = await stack.wait_for_mail(to(TIMOTHY, reply))
        assert raised.subject == f"[{number}] The service team replied to your ticket"
    assert (await comment(stack, number, "Timothy", "Manchester, thank you.")).status_code == 201
    assert (await comment(stack, number, "Teresa", "I need it too.")).status_code == 201
    await stack.wait_for_mail(to(SERVICE_TEAM, "I need it too."))
    await settled(stack)
    assert [m.subject for m in stack.mail.messages if m.recipients == (TERESA,)] == [
        f"[{number}] You are copied on a ticket",
        f"[{number}] The service team replied on a ticket you are copied on",
        f"[{number}] The service team replied on a ticket you are copied on",
    ]
    assert len(await logged(stack, EmailEvent.TICKET_REPLY)) == 4
    assert len(await logged(stack, EmailEvent.TICKET_COPIED)) == 1

    removed = await uncopy(stack, number, teresa, derek)
    assert removed.status_code == 204, removed.text
    assert removed.content == b""
    gone = await uncopy(stack, number, teresa, derek)
    assert gone.status_code == 404, "not copied"
    shown = (await stack.http.get(f"/tickets/{number}", headers=timothy)).json()
    assert shown["participants"] == []
    assert (await comment(stack, number, "Sam", "Anything else?")).status_code == 201
    await stack.wait_for_mail(to(TIMOTHY, "Anything else?"))
    await settled(stack)
    assert not [m for m in stack.mail.messages if "Anything else?" in (m.text or "")][1:]
    assert len(await logged(stack, EmailEvent.TICKET_REPLY)) == 5
    nobody_else(stack, SERVICE_TEAM, TIMOTHY, TERESA)

    # The audit trail says who copied whom by ids alone.
    async with stack.sessions() as session:
        events = list(
            await session.exec(
                select(AuditEvent)
                .where(col(AuditEvent.action).in_(["participant_added", "participant_removed"]))
                .order_by(col(AuditEvent.id))
            )
        )
    assert [(e.action, e.detail) for e in events] == [
        (action, {"ticket": number, "side": "customer", "shared": False, "contact_id": teresa})
        for action in ("participant_added", "participant_removed")
    ]
    assert events[0].actor.startswith("user:") and "Teresa" not in str(events[0].detail)


async def test_who_may_copy_and_whom(stack: Stack) -> None:
    """The raiser, the customer's Management and Cust Admin and the service team copy; any
    other contact who sees the ticket is refused (403), another customer's contact finds no
    ticket (404). Only the ticket's organisation's current contacts are copied: another
    customer's contact and an id that names no one are refused alike (422)."""
    number = await raise_ticket(stack, stack.auth("Timothy"), "Printer", False)
    ursula, teresa = contact_id(stack, "Ursula"), contact_id(stack, "Teresa")

    for who in ("Ursula", "Teresa"):
        refused = await copy(stack, number, ursula, stack.auth(who))
        assert refused.status_code == 403, (who, refused.text)
    olive = await copy(stack, number, ursula, stack.auth("Olive"))
    assert olive.status_code == 404, olive.text

    answers = [
        await copy(stack, number, someone, stack.auth("Derek"))
        for someone in (contact_id(stack, "Olive", customer=1), str(uuid.uuid4()))
    ]
    for refused in answers:
        assert refused.status_code == 422, refused.text
    details = [answer.json()["detail"] for answer in answers]
    assert details[0] == details[1], "the answer does not tell whether the id exists"
    assert details[0][0]["loc"] == ["body", "contact_id"]
    assert "choose a current contact of an organisation that can see it" in details[0][0]["msg"]

    assert (await copy(stack, number, ursula, stack.auth("Derek"))).status_code == 201
    assert (await copy(stack, number, teresa, stack.auth("Sam"))).status_code == 201
    # Teresa, copied, sees who else is; taking anyone off is for the same people as copying.
    seen = (await stack.http.get(f"/tickets/{number}", headers=stack.auth("Teresa"))).json()
    assert [p["name"] for p in seen["participants"]] == ["Ursula Ser", "Teresa Echie"]
    assert (await uncopy(stack, number, ursula, stack.auth("Teresa"))).status_code == 403
    assert (await uncopy(stack, number, ursula, stack.auth("Olive"))).status_code == 404
    assert (await uncopy(stack, number, ursula, stack.auth("Timothy"))).status_code == 204
    assert (await uncopy(stack, number, teresa, stack.auth("Sam"))).status_code == 204
    await stack.wait_for_mail(titled(URSULA, "You are copied"))
    await stack.wait_for_mail(titled(TERESA, "You are copied"))
    await settled(stack)
    nobody_else(stack, SERVICE_TEAM, URSULA, TERESA)


async def test_the_other_organisations_contacts_only_on_a_shared_ticket(stack: Stack) -> None:
    """With a purchaser assigned: Paula, its contact, cannot be copied on the customer's
    unshared ticket (422, as for anyone unknown), nor Derek on her unshared one; on a shared
    ticket she is, and hears the service team's reply."""
    paula_token = await assign_purchaser(stack)
    paula = (await contacts(stack))["Paula"]["id"]
    derek = stack.auth("Derek")
    ours = await raise_ticket(stack, derek, "Our invoices", False)
    refused = await copy(stack, ours, paula, derek)
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"][0]["loc"] == ["body", "contact_id"]
    theirs = await raise_ticket(stack, bearer(paula_token), "Purchase orders", False)
    derek_id = contact_id(stack, "Derek")
    assert (await copy(stack, theirs, derek_id, bearer(paula_token))).status_code == 422

    shared = await raise_ticket(stack, derek, "Shared invoices", True)
    copied = await copy(stack, shared, paula, derek)
    assert copied.status_code == 201, copied.text
    assert copied.json()["side"] == "purchaser"
    assert (await comment(stack, shared, "Sam", "Both of you, please check.")).status_code == 201
    heard = await stack.wait_for_mail(to(PAULA["email"], "Both of you, please check."))
    assert "copied on" in heard.subject
    await stack.wait_for_mail(to(DEREK, "Both of you, please check."))
    # Paula sees the shared ticket, and who is copied on it.
    seen = await stack.http.get(f"/tickets/{shared}", headers=bearer(paula_token))
    assert [p["name"] for p in seen.json()["participants"]] == ["Paula Payer"]


async def test_a_copied_contact_hears_the_replies_on_a_requests_ticket(stack: Stack) -> None:
    """On a request's ticket the requester hears as such (never also as a copy), and a
    copied contact hears the service team's replies too."""
    request = await submitted(stack)
    number = request["ticket_number"]
    derek = stack.auth("Derek")
    requester = await copy(stack, number, contact_id(stack, "Derek"), derek)
    assert requester.status_code == 409, requester.text
    assert (await copy(stack, number, contact_id(stack, "Teresa"), derek)).status_code == 201
    await stack.wait_for_mail(titled(TERESA, "You are copied"))

    assert (await comment(stack, number, "Sam", "We check the address.")).status_code == 201
    await stack.wait_for_mail(to(TERESA, "We check the address."))
    await stack.wait_for_mail(to(DEREK, "We check the address."))
    await settled(stack)
    assert len(await logged(stack, EmailEvent.TICKET_COMMENT)) == 1
    async with stack.sessions() as session:
        keys = list(
            await session.exec(
                select(EmailLog.key).where(EmailLog.event == EmailEvent.TICKET_REPLY)
            )
        )
    assert keys == [
        f"{request['id']}/comment-{_last_comment(await _ticket(stack, number))}"
        f"-copy-{contact_id(stack, 'Teresa')}"
    ]
    nobody_else(stack, SERVICE_TEAM, DEREK, TERESA)


async def _ticket(stack: Stack, number: str) -> dict[str, Any]:
    answer = await stack.http.get(f"/tickets/{number}", headers=stack.auth("Sam"))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _last_comment(ticket: dict[str, Any]) -> int:
    return int(ticket["comments"][-1]["id"])


async def test_an_email_still_on_its_way_when_the_contact_is_taken_off_is_not_sent(
    stack: Stack,
) -> None:
    """The SMTP server may keep a ticket's news waiting for hours: a copied contact taken off
    meanwhile is sent neither the news of their copy nor a reply; the raiser still is."""
    number = await raise_ticket(stack, stack.auth("Timothy"), "Parking", False)
    teresa = contact_id(stack, "Teresa")
    assert (await copy(stack, number, teresa, stack.auth("Timothy"))).status_code == 201
    await stack.wait_for_mail(titled(TERESA, "You are copied"))
    said = await comment(stack, number, "Sam", "A space is free.")
    await stack.wait_for_mail(to(TERESA, "A space is free."))
    await stack.wait_for_mail(to(TIMOTHY, "A space is free."))
    assert (await uncopy(stack, number, teresa, stack.auth("Timothy"))).status_code == 204
    stack.mail.clear()

    def waiting(event: EmailEvent, contact: str, comment_id: int | None = None) -> Notification:
        """An email of this news that had not gone out yet (a key never sent)."""
        return Notification(
            key=f"ticket-{number}/waiting-{event}-{contact}",
            event=event,
            audience=Audience.CONTACT,
            request_id=None,
            at=utcnow(),
            comment_id=comment_id,
            contact_id=contact,
            ticket_number=number,
        )

    settings = stack.settings
    async with smtp_mailer(settings) as mailer:
        emails = EmailActivities(
            stack.sessions,
            EmailRenderer(),
            mailer,
            MailSettings(
                settings.mail_from, settings.service_team_email, PUBLIC_URL, settings.secret_key
            ),
        )
        run = ActivityEnvironment().run
        reply_id = said.json()["id"]
        assert not await run(emails.send_email, waiting(EmailEvent.TICKET_COPIED, teresa))
        assert not await run(emails.send_email, waiting(EmailEvent.TICKET_REPLY, teresa, reply_id))
        raiser = waiting(EmailEvent.TICKET_REPLY, contact_id(stack, "Timothy"), reply_id)
        assert await run(emails.send_email, raiser)
    await stack.wait_for_mail(to(TIMOTHY, "A space is free."))
    await settled(stack)
    nobody_else(stack, TIMOTHY)


async def test_a_closed_ticket_copies_nobody_more(stack: Stack) -> None:
    """Resolved and closed by its clock, a ticket takes no more replies: nobody more is
    copied on it (409); one copied can still be taken off."""
    number = await raise_ticket(stack, stack.auth("Timothy"), "Old laptop", False)
    ursula, teresa = contact_id(stack, "Ursula"), contact_id(stack, "Teresa")
    assert (await copy(stack, number, ursula, stack.auth("Timothy"))).status_code == 201
    resolved = await stack.http.post(f"/tickets/{number}/resolve", headers=stack.auth("Timothy"))
    assert resolved.status_code == 200, resolved.text
    await until_status(stack, number, "closed")
    refused = await copy(stack, number, teresa, stack.auth("Timothy"))
    assert refused.status_code == 409 and "closed" in refused.json()["detail"]
    assert (await uncopy(stack, number, ursula, stack.auth("Timothy"))).status_code == 204
