"""The portal's ticket pages over real HTTP, signed in as people are: raising a ticket through
its form, the conversation between a contact and the service team (with the emails that
lead back to the page), the visibility message, and tickets one may not see."""

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from api.main import create_app
from devstack.outbox import CapturedMessage
from tests.conftest import PUBLIC_URL, Stack, serve
from tests.e2e.purchaser import PAULA, assign_purchaser
from tests.portal.test_sign_in import browser, derek, sign_in

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM_KEY = re.compile(r'name="form_key" value="([^"]+)"')
NUMBER = re.compile(r"^/portal/tickets/(SO-\d+)\?done=raised$")
SERVICE_TEAM = "service-team@localhost"
OLIVE = "olive.ther@northwind.example.com"


def csrf(page: httpx.Response) -> str:
    """The form token of the page's forms, as a browser would post it back."""
    found = CSRF.search(page.text)
    assert found, page.text
    return found.group(1)


def sam(stack: Stack) -> str:
    return str(stack.demo["staff"][0]["email"])


@asynccontextmanager
async def signed_in(stack: Stack, email: str) -> AsyncIterator[httpx.AsyncClient]:
    """A browser of its own, signed in as ``email`` (once per person and test: the helper
    reads the newest sign-in email)."""
    async with browser(stack) as client:
        await sign_in(stack, client, email)
        yield client


def hidden(page: httpx.Response) -> dict[str, str]:
    """The hidden fields a browser posts back with the page's form: its token, and the key
    of a form that makes something."""
    fields = {"csrf_token": csrf(page)}
    key = FORM_KEY.search(page.text)
    if key:
        fields["form_key"] = key.group(1)
    return fields


async def post_form(
    client: httpx.AsyncClient, page_path: str, action: str, data: dict[str, Any]
) -> httpx.Response:
    """Open the page, then post its form with the page's hidden fields, as a person does."""
    page = await client.get(page_path)
    assert page.status_code == 200, page.text
    return await client.post(action, data={**hidden(page), **data})


async def raise_by_form(
    client: httpx.AsyncClient, subject: str, description: str, shared: bool = False
) -> str:
    """Raise ticket through the form; the new ticket's number, from the redirect to it."""
    data = {"subject": subject, "description": description, **({"shared": "yes"} if shared else {})}
    raised = await post_form(client, "/portal/tickets/new", "/portal/tickets", data)
    assert raised.status_code == 303, raised.text
    found = NUMBER.match(raised.headers["location"])
    assert found, raised.headers["location"]
    return found.group(1)


async def reply(client: httpx.AsyncClient, number: str, body: str) -> httpx.Response:
    page = f"/portal/tickets/{number}"
    return await post_form(client, page, f"{page}/comments", {"body": body})


def to(address: str, *words: str) -> Any:
    def matches(message: CapturedMessage) -> bool:
        return message.recipients == (address,) and all(w in (message.text or "") for w in words)

    return matches


def portal_link(message: CapturedMessage, number: str) -> str:
    link = f"{PUBLIC_URL}/portal/tickets/{number}"
    assert link in message.links, message.links
    return link.removeprefix(PUBLIC_URL)


async def test_a_contact_and_the_service_team_talk_on_a_ticket_raised_through_the_form(
    stack: Stack,
) -> None:
    async with (
        signed_in(stack, derek(stack)["email"]) as contact,
        signed_in(stack, sam(stack)) as staff,
    ):
        form = await contact.get("/portal/tickets/new")
        assert form.status_code == 200
        assert 'for="f-subject">Subject<' in form.text and ">Description<" in form.text
        assert "Also allow contacts from" not in form.text, "no purchaser to share with"
        number = await raise_by_form(contact, "Invoice copy", "Please resend invoice 42.")

        page = await contact.get(f"/portal/tickets/{number}?done=raised")
        assert page.status_code == 200
        assert "Your ticket is raised." in page.text and "Please resend invoice 42." in page.text
        assert "Contacts of Example Energy plc and the service team can see this ticket." in (
            page.text
        )
        listed = await contact.get("/portal/tickets")
        assert f'href="/portal/tickets/{number}"' in listed.text and "Invoice copy" in listed.text
        assert '<span class="badge ticket-open">Waiting for the service team<' in listed.text
        assert "<button" in listed.text and ">Raise ticket</button>" in listed.text

        # The service team is emailed a link to the ticket's page, and answers there.
        told = await stack.wait_for_mail(to(SERVICE_TEAM, number, "Please resend invoice 42."))
        path = portal_link(told, number)
        unanswered = await staff.get("/portal/tickets?status=open")
        assert f'href="{path}"' in unanswered.text and "Example Energy plc" in unanswered.text
        assert ">Waiting for the service team (1)<" in unanswered.text
        assert ">Raise ticket</button>" not in unanswered.text, "the service team raises none"
        assert (await staff.get("/portal/tickets/new")).status_code == 403
        assert "Please resend invoice 42." in (await staff.get(path)).text

        answered = await reply(staff, number, "Sent again this morning.")
        assert answered.status_code == 303
        assert answered.headers["location"] == f"/portal/tickets/{number}?done=replied"
        assert (
            "Your reply is added to the ticket."
            in (await staff.get(answered.headers["location"])).text
        )
        assert f'href="{path}"' not in (await staff.get("/portal/tickets?status=open")).text
        waiting = await staff.get("/portal/tickets?status=waiting_for_customer")
        assert f'href="{path}"' in waiting.text and ">Waiting for the customer (1)<" in waiting.text

        # The raiser is emailed the reply and its link; the page shows it; they answer back.
        heard = await stack.wait_for_mail(to(derek(stack)["email"], "Sent again this morning."))
        assert number in heard.subject and portal_link(heard, number) == path
        shown = await contact.get(path)
        assert (
            "Sent again this morning." in shown.text and "Sam Service (service team)" in shown.text
        )
        assert ">Waiting for the customer<" in shown.text
        assert (await reply(contact, number, "Received, thank you.")).status_code == 303
        again = await stack.wait_for_mail(to(SERVICE_TEAM, "Received, thank you."))
        assert portal_link(again, number) == path
        assert "Received, thank you." in (await staff.get(path)).text
        assert f'href="{path}"' in (await staff.get("/portal/tickets?status=open")).text

        # An empty reply is shown beside the field; a forged form is refused; nothing is kept.
        empty = await reply(contact, number, "   ")
        assert empty.status_code == 422
        assert 'aria-invalid="true" aria-describedby="reply-error"' in empty.text
        assert "Write your reply before sending it." in empty.text
        forged = await contact.post(f"{path}/comments", data={"csrf_token": "x", "body": "Hi"})
        assert forged.status_code == 403
    ticket = (await stack.http.get(f"/tickets/{number}", headers=stack.auth("Derek"))).json()
    assert [(c["capacity"], c["body"]) for c in ticket["comments"]] == [
        ("service_team", "Sent again this morning."),
        ("contact", "Received, thank you."),
    ]


async def test_the_raise_form_shows_every_problem_beside_its_field_and_keeps_the_input(
    stack: Stack,
) -> None:
    async with signed_in(stack, derek(stack)["email"]) as contact:
        data = {"subject": " ", "description": ""}
        refused = await post_form(contact, "/portal/tickets/new", "/portal/tickets", data)
        assert refused.status_code == 422
        assert "There are 2 problems" in refused.text
        assert 'aria-invalid="true" aria-describedby="f-subject-error"' in refused.text
        assert 'aria-invalid="true" aria-describedby="f-description-error"' in refused.text
        assert "Enter a subject for your ticket." in refused.text
        assert "Describe what you need from the service team." in refused.text

        data = {"subject": "Kept <as typed>", "description": "Also kept.", "shared": "yes"}
        refused = await post_form(contact, "/portal/tickets/new", "/portal/tickets", data)
        assert refused.status_code == 422
        assert 'name="subject" value="Kept &lt;as typed&gt;"' in refused.text
        assert ">Also kept.</textarea>" in refused.text
        # Shared with no purchaser (a box the form does not offer): the service's own rule.
        assert "There is no purchaser organisation to share with." in refused.text
    assert (await stack.http.get("/tickets", headers=stack.auth("Derek"))).json() == []


async def test_the_visibility_message_names_who_cannot_see_the_ticket_or_warns_it_is_shared(
    stack: Stack,
) -> None:
    await assign_purchaser(stack)
    async with (
        signed_in(stack, derek(stack)["email"]) as customer,
        signed_in(stack, PAULA["email"]) as purchaser,
    ):
        form = await customer.get("/portal/tickets/new")
        assert "Also allow contacts from Purchase Partners Ltd to view and reply" in form.text
        ours = await raise_by_form(customer, "Our licence", "Only ours.")
        shared = await raise_by_form(customer, "Both of us", "For both.", shared=True)
        page = await customer.get(f"/portal/tickets/{ours}")
        assert "Contacts of Purchase Partners Ltd cannot see this ticket." in page.text
        page = await customer.get(f"/portal/tickets/{shared}")
        assert (
            "<strong>This ticket is shared:</strong> contacts of Example Energy plc and of "
            "Purchase Partners Ltd can see it and reply." in page.text
        )

        form = await purchaser.get("/portal/tickets/new")
        assert "Also allow contacts from Example Energy plc to view and reply" in form.text
        theirs = await raise_by_form(purchaser, "An invoice", "The purchaser's own.")
        page = await purchaser.get(f"/portal/tickets/{theirs}")
        assert "Contacts of Example Energy plc cannot see this ticket." in page.text
        listed = (await purchaser.get("/portal/tickets")).text
        assert theirs in listed and shared in listed and ours not in listed
        assert (await purchaser.get(f"/portal/tickets/{ours}")).status_code == 404
        assert (await purchaser.get(f"/portal/tickets/{shared}")).status_code == 200
        assert (await reply(purchaser, shared, "Noted by the purchaser.")).status_code == 303
        assert (await customer.get(f"/portal/tickets/{theirs}")).status_code == 404
        assert "Noted by the purchaser." in (await customer.get(f"/portal/tickets/{shared}")).text


async def test_another_customers_contact_finds_no_such_ticket(stack: Stack) -> None:
    async with (
        signed_in(stack, derek(stack)["email"]) as contact,
        signed_in(stack, OLIVE) as other,
    ):
        number = await raise_by_form(contact, "Invoice copy", "Please resend invoice 42.")
        hidden = await other.get(f"/portal/tickets/{number}")
        unknown = await other.get("/portal/tickets/SO-99999")
        assert hidden.status_code == unknown.status_code == 404
        assert "Ticket not found." in hidden.text and hidden.text == unknown.text
        assert "Invoice" not in hidden.text
        listed = await other.get("/portal/tickets")
        token = csrf(listed)
        assert number not in listed.text
        posted = await other.post(
            f"/portal/tickets/{number}/comments", data={"csrf_token": token, "body": "Hello"}
        )
        assert posted.status_code == 404
    ticket = (await stack.http.get(f"/tickets/{number}", headers=stack.auth("Derek"))).json()
    assert ticket["comments"] == []


async def test_a_reply_that_cannot_be_delivered_comes_back_with_its_text(stack: Stack) -> None:
    """Temporal unreachable: the ticket's page again (503), saying so, the reply kept as
    typed and nothing stored."""
    unreachable = stack.settings.model_copy(update={"temporal_address": "127.0.0.1:1"})
    async with signed_in(stack, derek(stack)["email"]) as contact:
        number = await raise_by_form(contact, "Invoice copy", "Please resend invoice 42.")
        path = f"/portal/tickets/{number}"
        token = csrf(await contact.get(path))
        async with serve(create_app(unreachable)) as down:
            down.cookies = contact.cookies  # the same session, on a server that cannot tell
            answer = await down.post(
                f"{path}/comments", data={"csrf_token": token, "body": "Kept <as typed>."}
            )
        assert answer.status_code == 503, answer.text
        assert 'role="alert"' in answer.text and "unavailable" in answer.text
        assert '<h2 id="reply-heading">Reply</h2>' in answer.text
        assert ">Kept &lt;as typed&gt;.</textarea>" in answer.text
        assert 'aria-invalid="true"' not in answer.text, "the reply itself is not at fault"
    ticket = (await stack.http.get(f"/tickets/{number}", headers=stack.auth("Derek"))).json()
    assert ticket["comments"] == []
