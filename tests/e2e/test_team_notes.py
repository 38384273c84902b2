"""The service team's own notes on the real stack: an internal note on a ticket is seen by the
team (API and page) and by nobody else, on no page, in no API answer and in no email; notes
on a customer are listed for the team, signed and dated by Signoff, and for nobody else."""

import re
from typing import Any

from sqlmodel import func, select

from models.team_note import TeamNote
from tests.conftest import Stack
from tests.e2e.purchaser import URSULA, approval_links, filed_addition
from tests.e2e.test_conversation import DEREK, TERESA, comment, settled, to
from tests.e2e.test_purchaser_removal import raise_ticket
from tests.portal.test_requests import sam
from tests.portal.test_sign_in import browser, sign_in

# Words found nowhere else: wherever they show, the note leaked.
NOTE = "Zebracorn: the customer's finance lead is touchy about late invoices."
STANDALONE_NOTE = "Quokkaflux: check the invoice address against the contract first."
CUSTOMER_NOTES = ("Prefers email to phone calls.", "Renewal talks start in March.")


def form_fields(page: str) -> dict[str, str]:
    """The hidden fields (token, form key) of the first form on the page that has them."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    key = re.search(r'name="form_key" value="([^"]+)"', page)
    assert token and key, page
    return {"csrf_token": token.group(1), "form_key": key.group(1)}


async def note(stack: Stack, number: str, body: str, who: str = "Sam", **headers: str) -> Any:
    return await stack.http.post(
        f"/tickets/{number}/notes", json={"body": body}, headers={**stack.auth(who), **headers}
    )


async def notes_stored(stack: Stack) -> int:
    async with stack.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(TeamNote)) or 0)


def nowhere_in(text: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in text, f"{secret!r} shows in {text[:300]!r}"


async def test_an_internal_note_is_seen_by_the_team_alone(stack: Stack) -> None:
    request = await filed_addition(stack)
    number = request["ticket_number"]
    teresas = await raise_ticket(stack, stack.auth("Teresa"), "Invoice address", False)

    added = await note(stack, number, NOTE)
    assert added.status_code == 201, added.text
    shown = added.json()
    assert shown["author"] == "Sam Service" and shown["body"] == NOTE
    assert shown["created_at"] and shown["id"]
    assert (await note(stack, teresas, STANDALONE_NOTE)).status_code == 201

    # The conversation goes on around the notes: every email it sends is searched below.
    assert (await comment(stack, number, "Sam", "We are on it.")).status_code == 201
    to_ursula = await comment(stack, number, "Sam", "Yes, please.", to_approver="customer")
    assert to_ursula.status_code == 201, to_ursula.text
    assert (await comment(stack, number, "Derek", "Thanks.")).status_code == 201
    assert (await comment(stack, teresas, "Sam", "Which invoice?")).status_code == 201
    await stack.wait_for_mail(to(DEREK, "We are on it."))
    await stack.wait_for_mail(to(URSULA["email"], "Yes, please."))
    await stack.wait_for_mail(to(TERESA, "Which invoice?"))

    team = (await stack.http.get(f"/tickets/{number}", headers=stack.auth("Sam"))).json()
    assert [n["body"] for n in team["internal_notes"]] == [NOTE]
    listed = (await stack.http.get("/tickets", headers=stack.auth("Sam"))).json()
    assert {t["number"]: [n["body"] for n in t["internal_notes"]] for t in listed} == {
        number: [NOTE],
        teresas: [STANDALONE_NOTE],
    }

    # No contact's API answer carries a note, nor says one was written.
    for who in ("Derek", "Teresa", "Ursula"):
        for path in (f"/tickets/{number}", f"/tickets/{teresas}", "/tickets"):
            answer = await stack.http.get(path, headers=stack.auth(who))
            if answer.status_code == 200:
                nowhere_in(answer.text, NOTE, STANDALONE_NOTE)
        ticket = (await stack.http.get(f"/tickets/{number}", headers=stack.auth(who))).json()
        assert ticket["internal_notes"] == [], who
    derek = stack.auth("Derek")
    for path in (f"/requests/{request['id']}", f"/customers/{stack.customer_id}/audit"):
        answer = await stack.http.get(path, headers=derek)
        assert answer.status_code == 200, answer.text
        nowhere_in(answer.text, NOTE, STANDALONE_NOTE, "note_added")
    audit = await stack.http.get(f"/customers/{stack.customer_id}/audit", headers=stack.auth("Sam"))
    added_events = [e for e in audit.json() if e["action"] == "note_added"]
    assert [e["detail"] for e in added_events] == [{"ticket": number}, {"ticket": teresas}]
    nowhere_in(audit.text, NOTE, STANDALONE_NOTE)

    # The team's page shows it, marked as internal; no contact's page does.
    async with browser(stack) as team_page:
        await sign_in(stack, team_page, sam(stack))
        page = (await team_page.get(f"/portal/tickets/{number}")).text
        assert "Internal note — only the service team sees this" in page
        assert NOTE.replace("'", "&#39;") in page
        assert '<label for="note-body">Internal note</label>' in page
    async with browser(stack) as contact_page:
        await sign_in(stack, contact_page, DEREK)
        ticket_page = (await contact_page.get(f"/portal/tickets/{number}")).text
        assert "We are on it." in ticket_page
        for path in (f"/portal/requests/{request['id']}", f"/portal/tickets/{teresas}"):
            assert (await contact_page.get(path)).status_code == 200
        for path in (
            f"/portal/tickets/{number}",
            f"/portal/requests/{request['id']}",
            f"/portal/tickets/{teresas}",
            "/portal/tickets",
        ):
            page = (await contact_page.get(path)).text
            nowhere_in(page, NOTE.split(":")[0], STANDALONE_NOTE.split(":")[0], "Internal note")

    # Nor does the approver's page, which shows the team's reply to her.
    approval = (await stack.http.get((await approval_links(stack))["customer"])).text
    assert "Yes, please." in approval
    nowhere_in(approval, NOTE.split(":")[0])

    await settled(stack)
    assert len(stack.mail.messages) > 5
    for message in stack.mail.messages:
        whole = f"{message.subject}\n{message.text}\n{message.html}"
        nowhere_in(whole, NOTE.split(":")[0], STANDALONE_NOTE.split(":")[0])


async def test_contacts_may_not_add_internal_notes(stack: Stack) -> None:
    number = await raise_ticket(stack, stack.auth("Teresa"), "Invoice address", False)
    # Contacts who see the ticket are refused; one who cannot see it is told it is not found.
    for who, status in (("Teresa", 403), ("Derek", 403), ("Olive", 404)):
        refused = await note(stack, number, "From a contact.", who)
        assert refused.status_code == status, (who, refused.text)
    assert (await note(stack, "SO-99999", "Nowhere.")).status_code == 404
    empty = await note(stack, number, "   ")
    assert empty.status_code == 422
    assert empty.json()["detail"][0]["loc"] == ["body", "body"]
    assert await notes_stored(stack) == 0

    # A client's retry with its Idempotency-Key adds no second note.
    first = await note(stack, number, "Once.", **{"Idempotency-Key": "note-1"})
    again = await note(stack, number, "Once.", **{"Idempotency-Key": "note-1"})
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert await notes_stored(stack) == 1


async def test_the_note_form_adds_one_note_however_often_it_is_sent(stack: Stack) -> None:
    number = await raise_ticket(stack, stack.auth("Teresa"), "Invoice address", False)
    async with browser(stack) as team:
        await sign_in(stack, team, sam(stack))
        path = f"/portal/tickets/{number}"
        fields = form_fields((await team.get(path)).text)
        empty = await team.post(f"{path}/notes", data={**fields, "note": "  "})
        assert empty.status_code == 422
        assert 'id="note-error">Write the note before adding it.</p>' in empty.text
        assert 'aria-invalid="true"' in empty.text
        for _ in range(2):
            sent = await team.post(f"{path}/notes", data={**fields, "note": "Called them back."})
            assert sent.status_code == 303
            assert sent.headers["location"] == f"{path}?done=noted"
        page = (await team.get(sent.headers["location"])).text
        assert page.count("Called them back.") == 1
        assert "Only the service team sees it" in page
    assert await notes_stored(stack) == 1
    async with browser(stack) as teresa:
        await sign_in(stack, teresa, TERESA)
        fields = form_fields((await teresa.get(f"/portal/tickets/{number}")).text)
        refused = await teresa.post(f"/portal/tickets/{number}/notes", data={**fields, "note": "x"})
        assert refused.status_code == 403
    assert await notes_stored(stack) == 1


async def test_customer_notes_are_listed_for_the_team_alone(stack: Stack) -> None:
    path = f"/customers/{stack.customer_id}/notes"
    for body in CUSTOMER_NOTES:
        added = await stack.http.post(path, json={"body": body}, headers=stack.auth("Sam"))
        assert added.status_code == 201, added.text
        assert added.json()["author"] == "Sam Service"
    listed = await stack.http.get(path, headers=stack.auth("Sam"))
    assert listed.status_code == 200
    assert listed.headers["x-total-count"] == "2"
    notes = listed.json()
    assert [n["body"] for n in notes] == list(reversed(CUSTOMER_NOTES))
    assert all(n["author"] == "Sam Service" and n["created_at"] for n in notes)
    assert notes[0]["created_at"] >= notes[1]["created_at"]
    paged = await stack.http.get(path, params={"limit": 1, "offset": 1}, headers=stack.auth("Sam"))
    assert [n["body"] for n in paged.json()] == [CUSTOMER_NOTES[0]]
    assert paged.headers["x-total-count"] == "2"
    # Ticket notes are not customer notes.
    number = await raise_ticket(stack, stack.auth("Teresa"), "Invoice address", False)
    assert (await note(stack, number, NOTE)).status_code == 201
    assert len((await stack.http.get(path, headers=stack.auth("Sam"))).json()) == 2

    refused = await stack.http.post(path, json={"body": ""}, headers=stack.auth("Sam"))
    assert refused.status_code == 422
    for who in ("Derek", "Teresa", "Olive"):
        for answer in (
            await stack.http.get(path, headers=stack.auth(who)),
            await stack.http.post(path, json={"body": "Mine."}, headers=stack.auth(who)),
        ):
            assert answer.status_code == 404, (who, answer.text)
            nowhere_in(answer.text, *CUSTOMER_NOTES)
    unknown = f"/customers/{stack.other_customer_id[:-4]}0000/notes"
    assert (await stack.http.get(unknown, headers=stack.auth("Sam"))).status_code == 404
    assert await notes_stored(stack) == 3

    async with browser(stack) as team:
        await sign_in(stack, team, sam(stack))
        page_path = f"/portal/customers/{stack.customer_id}"
        page = (await team.get(page_path)).text
        assert '<h2 id="customer-notes-heading">Customer notes</h2>' in page
        assert '<label for="f-customer-note">Customer note</label>' in page
        assert ">Add note</button>" in page
        for body in CUSTOMER_NOTES:
            assert body in page
        assert page.index(CUSTOMER_NOTES[1]) < page.index(CUSTOMER_NOTES[0])
        assert page.count("Sam Service ·") == 2
        nowhere_in(page, NOTE.split(":")[0])

        fields = form_fields(page)
        empty = await team.post(f"{page_path}/notes", data={**fields, "note": ""})
        assert empty.status_code == 422
        assert "Write the note before adding it." in empty.text
        for _ in range(2):
            sent = await team.post(f"{page_path}/notes", data={**fields, "note": "Met them today."})
            assert sent.status_code == 303, sent.text
        again = (await team.get(sent.headers["location"])).text
        assert again.count("Met them today.") == 1
        assert "Your note is added." in again
    assert await notes_stored(stack) == 4
    async with browser(stack) as derek:
        await sign_in(stack, derek, DEREK)
        fields = form_fields((await derek.get("/portal/tickets/new")).text)
        page_path = f"/portal/customers/{stack.customer_id}"
        assert (await derek.get(page_path)).status_code == 404
        refused = await derek.post(f"{page_path}/notes", data={**fields, "note": "Mine."})
        assert refused.status_code == 404
        profile = (await derek.get("/portal/profile")).text
        nowhere_in(profile, *CUSTOMER_NOTES, "Customer notes")
    assert await notes_stored(stack) == 4
