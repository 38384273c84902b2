"""A customer's Messages sent on the real stack: every email its contacts and approvers were
sent (by a request, a ticket, a welcome, a sign-in), newest first and paged, never the service
team's own, never a link or token; an erased person shows as erased; the team's alone."""

import html
import re
import uuid
from datetime import timedelta
from typing import Any

from models.email_log import EmailLog
from models.enums import EmailEvent
from models.types import utcnow
from tests.conftest import Stack
from tests.e2e.purchaser import PERCY, approval_links, decide, filed_addition
from tests.e2e.test_contact_change import ANNABELLE, filed
from tests.e2e.test_conversation import DEREK, OLIVE, SERVICE_TEAM, TERESA, comment, settled, to
from tests.e2e.test_purchaser_removal import raise_ticket
from tests.portal.test_requests import sam
from tests.portal.test_sign_in import browser, sign_in

TOKEN_IN_LINK = re.compile(r"/(?:approvals|activate|portal/sign-in)/([^/?#]+)")
TEAM_EVENTS = {"request_filed", "ticket_raised", "comment_to_service_team", "review_reminder"}


async def messages(
    stack: Stack, who: str = "Sam", customer_id: str | None = None, **params: Any
) -> Any:
    return await stack.http.get(
        f"/customers/{customer_id or stack.customer_id}/messages",
        params=params,
        headers=stack.auth(who),
    )


def section(page: str, heading_id: str) -> str:
    """The part of the page from the heading to the end of its section."""
    start = page.index(f'id="{heading_id}"')
    return page[start : page.index("</section>", start)]


async def test_the_messages_sent_to_a_customers_people(stack: Stack) -> None:
    # A welcome to a new contact...
    added = await filed(
        stack, {"changes": [{"op": "add", "contact": ANNABELLE, "roles": ["technical"]}]}
    )
    done = await stack.http.post(f"/requests/{added['id']}/implement", headers=stack.auth("Sam"))
    assert done.status_code == 200, done.text
    await stack.wait_for_mail(lambda m: m.recipients == (ANNABELLE["email"],))
    # ...a request's emails to its requester and approvers, its outsider approver erased
    # once it is rejected...
    request = await filed_addition(stack)
    links = await approval_links(stack)
    assert (await decide(stack, links["purchaser"], "reject")).status_code == 200
    await stack.run_ended(request["id"])
    # ...a ticket's reply to the contact who raised it, a sign-in link; and the other
    # customer's ticket, which is not this customer's.
    teresas = await raise_ticket(stack, stack.auth("Teresa"), "Invoice address", False)
    assert (await comment(stack, teresas, "Sam", "Which invoice?")).status_code == 201
    await stack.wait_for_mail(to(TERESA, "Which invoice?"))
    olives = await raise_ticket(stack, stack.auth("Olive"), "Smelter invoice", False)
    assert (await comment(stack, olives, "Sam", "Looking into it.")).status_code == 201
    await stack.wait_for_mail(to(OLIVE, "Looking into it."))
    async with browser(stack) as derek:
        await sign_in(stack, derek, DEREK)
    await settled(stack)

    answer = await messages(stack, limit=100)
    assert answer.status_code == 200, answer.text
    items = answer.json()
    assert answer.headers["x-total-count"] == str(len(items))
    assert set(items[0]) == {"sent_at", "to", "subject", "event", "event_label", "failed"}
    events = {item["event"] for item in items}
    assert {
        "welcome",
        "request_received",
        "approval_request",
        "request_rejected",
        "ticket_reply",
        "sign_in",
    } <= events
    assert not events & TEAM_EVENTS
    assert {item["to"] for item in items} >= {DEREK, TERESA, ANNABELLE["email"]}
    # The service team's own emails, and the other customer's, are not this customer's.
    team_mail = {m.subject for m in stack.mail.messages if SERVICE_TEAM in m.recipients}
    assert team_mail and not team_mail & {item["subject"] for item in items}
    assert OLIVE not in answer.text and olives not in answer.text
    # Newest first.
    assert [i["sent_at"] for i in items] == sorted((i["sent_at"] for i in items), reverse=True)
    # The rejection erased the outsider who approved for the purchaser.
    asked = [i for i in items if i["event"] == "approval_request"]
    assert len(asked) == 2 and None in {i["to"] for i in asked}
    assert PERCY["email"] not in answer.text and "Percy" not in answer.text
    welcome = next(i for i in items if i["event"] == "welcome")
    assert welcome["event_label"] == "Welcome" and welcome["failed"] is False
    assert next(i for i in items if i["event"] == "sign_in")["event_label"] == "Sign-in link"
    assert asked[0]["event_label"] == "Approval request"
    # Never a link or a token.
    assert "http" not in answer.text and "/approvals/" not in answer.text
    tokens = [
        found.group(1)
        for message in stack.mail.messages
        for link in message.links
        if (found := TOKEN_IN_LINK.search(link))
    ]
    assert tokens and not [token for token in tokens if token in answer.text]

    page = await messages(stack, limit=2, offset=1)
    assert page.json() == items[1:3]
    assert page.headers["x-total-count"] == str(len(items))
    theirs = (await messages(stack, customer_id=stack.other_customer_id)).json()
    assert [(i["event"], i["to"]) for i in theirs] == [("ticket_reply", OLIVE)]

    for who in ("Derek", "Teresa", "Olive"):
        refused = await messages(stack, who)
        assert refused.status_code == 404, (who, refused.text)
        assert DEREK not in refused.text
    for bad in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "x"}):
        assert (await messages(stack, **bad)).status_code == 422, bad

    async with browser(stack) as team:
        await sign_in(stack, team, sam(stack))
        shown = section(
            (await team.get(f"/portal/customers/{stack.customer_id}")).text, "messages-heading"
        )
    assert ">Messages sent</h2>" in shown
    for column in ("When", "To", "Subject", "Event"):
        assert f'<th scope="col">{column}</th>' in shown
    assert 'data-label="To"><span class="muted">Erased</span>' in shown
    assert DEREK in shown and html.escape(asked[0]["subject"]) in shown
    assert "Approval request" in shown and "Welcome" in shown
    assert "Ticket raised" not in shown and "http" not in shown
    rows = re.findall(r"<tr>\s*<th scope=\"row\"", shown)
    assert len(rows) == len(items)


async def _log(stack: Stack, customer_id: str, count: int) -> list[str]:
    """``count`` emails logged for the customer, a minute apart; their subjects, newest first."""
    start = utcnow() - timedelta(days=1)
    async with stack.sessions() as session:
        for n in range(count):
            session.add(
                EmailLog(
                    key=f"paging-{n}",
                    event=EmailEvent.REQUEST_RECEIVED,
                    customer_id=uuid.UUID(customer_id),
                    to_address=DEREK,
                    subject=f"Message number {n:02d}",
                    message_id=f"<paging-{n}@signoff.test>",
                    sent_at=start + timedelta(minutes=n),
                    failure="refused" if n == 0 else None,
                )
            )
        # The service team's emails are not among them.
        session.add(
            EmailLog(
                key="paging-team",
                event=EmailEvent.REQUEST_FILED,
                customer_id=uuid.UUID(customer_id),
                to_address=SERVICE_TEAM,
                subject="For the team",
                message_id="<paging-team@signoff.test>",
                sent_at=utcnow(),
            )
        )
        await session.commit()
    return [f"Message number {n:02d}" for n in reversed(range(count))]


async def test_messages_sent_are_paged_on_the_customers_page(stack: Stack) -> None:
    subjects = await _log(stack, stack.customer_id, 30)
    path = f"/portal/customers/{stack.customer_id}"
    async with browser(stack) as team:
        await sign_in(stack, team, sam(stack))
        first = section((await team.get(path)).text, "messages-heading")
        assert re.findall(r"Message number \d\d", first) == subjects[:25]
        assert "newest first: 1 to 25 of 30" in first
        assert "Page 1 of 2" in first and ">Previous</a>" not in first
        following = re.search(r'<a href="([^"]+)" rel="next">Next</a>', first)
        assert following, first
        assert html.unescape(following.group(1)) == f"{path}?messages_page=2#messages-heading"

        second = section(
            (await team.get(f"{path}?messages_page=2&notes_page=1")).text, "messages-heading"
        )
        assert re.findall(r"Message number \d\d", second) == subjects[25:]
        assert "26 to 30 of 30" in second and ">Next</a>" not in second
        assert "not sent" in second and "For the team" not in second
        back = re.search(r'<a href="([^"]+)" rel="prev">Previous</a>', second)
        assert back and html.unescape(back.group(1)) == (
            f"{path}?messages_page=1&notes_page=1#messages-heading"
        )
        beyond = section((await team.get(f"{path}?messages_page=9")).text, "messages-heading")
        assert "No messages on this page." in beyond and "Message number" not in beyond
        for junk in ("0", "-1", "two", "9" * 12):
            assert "1 to 25 of 30" in (await team.get(f"{path}?messages_page={junk}")).text
