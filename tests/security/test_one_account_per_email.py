"""An email names one account: no contact may take a member of the service team's address,
through the API or the Contacts Manager, when filed or when implemented; and an address that
two accounts held before this rule signs in to the service team's account, every time."""

import uuid
from typing import Any

from sqlmodel import select

from models.contact import Contact
from models.database import transaction
from models.enums import Side, UserState
from models.user import User
from tests.conftest import Stack
from tests.e2e.purchaser import FORM, PAULA, file_addition
from tests.e2e.test_contact_change import contact_id, file
from tests.portal.test_contacts_manager import errors_beside, manager, new_contact
from tests.portal.test_sign_in import ask_for_link, browser, derek, emailed_link
from tests.portal.test_tickets import signed_in

SAM = "sam.service@signoff.example.com"
NEWCOMER: dict[str, Any] = {
    "first_name": "Sally",
    "last_name": "Mimic",
    "email": "Sam.Service@signoff.example.com",
}


def _problems(answer: Any) -> list[tuple[list[Any], str]]:
    return [(problem["loc"], problem["type"]) for problem in answer.json()["detail"]]


async def test_a_contact_cannot_take_a_staff_users_email(stack: Stack) -> None:
    assert stack.demo["staff"][0]["email"] == SAM
    added = await file(
        stack, {"changes": [{"op": "add", "contact": NEWCOMER, "roles": ["technical"]}]}
    )
    assert added.status_code == 422
    assert _problems(added) == [(["body", "changes", 0, "contact", "email"], "email_in_use")]
    assert "already used by another account" in added.json()["detail"][0]["msg"]
    teresa = contact_id(stack, "Teresa")
    updated = await file(
        stack, {"changes": [{"op": "update", "contact_id": teresa, "fields": {"email": SAM}}]}
    )
    assert _problems(updated) == [(["body", "changes", 0, "fields", "email"], "email_in_use")]
    purchaser = {**FORM, "contacts": [{**PAULA, "email": SAM}]}
    refused = await file_addition(stack, purchaser)
    assert refused.status_code == 422
    assert (["body", "contacts", 0, "email"], "email_in_use") in _problems(refused)

    async with signed_in(stack, derek(stack)["email"]) as client:
        form = await manager(client)
        new_contact(form, {**NEWCOMER, "email": SAM}, ["Technical"])
        sent = await form.send(client)
        assert sent.status_code == 422
        said = errors_beside(sent, "new.1.email")
        assert said == ["This email is already used by another account."], sent.text

    async with stack.sessions() as session:
        taken = await session.exec(select(Contact).where(Contact.email == SAM))
        assert taken.first() is None


async def test_an_email_taken_by_staff_after_filing_stops_the_change_at_implementation(
    stack: Stack,
) -> None:
    """Filed while the address was free; a staff account takes it before the service team
    implements: the change goes back to the service team rather than give two accounts one
    address."""
    later = "helen.desk@signoff.example.com"
    batch = {
        "changes": [{"op": "add", "contact": {**NEWCOMER, "email": later}, "roles": ["technical"]}]
    }
    filed = await file(stack, batch)
    assert filed.status_code == 201, filed.text
    request = await stack.wait_for_request(filed.json()["id"], lambda r: r["ticket_number"])
    async with transaction(stack.sessions) as session:
        session.add(User(is_staff=True, name="Helen Desk", email=later, state=UserState.ACTIVE))
    answer = await stack.http.post(
        f"/requests/{request['id']}/implement", headers=stack.auth("Sam")
    )
    assert answer.status_code == 409, answer.text
    async with stack.sessions() as session:
        assert (await session.exec(select(Contact).where(Contact.email == later))).first() is None


async def test_an_address_two_accounts_held_signs_in_to_the_staff_account(stack: Stack) -> None:
    """Made directly in the database, as it could be before the rule: a contact with Sam's
    address. The emailed link signs in as Sam, the service team, every time."""
    async with transaction(stack.sessions) as session:
        mimic = Contact(
            customer_id=uuid.UUID(stack.customer_id),
            side=Side.CUSTOMER,
            first_name="Sally",
            last_name="Mimic",
            email=SAM,
            roles=["technical"],
        )
        session.add(mimic)
        await session.flush()
        session.add(User(contact_id=mimic.id, state=UserState.ACTIVE))
    for attempt in (1, 2):
        async with browser(stack) as client:
            await ask_for_link(client, SAM)
            signed = await client.post(await emailed_link(stack, SAM, attempt), data={})
            assert signed.status_code == 303
            queue = await client.get("/portal/queue")
            assert queue.status_code == 200, "signed in as the service team"
            assert "Sam Service" in queue.text
