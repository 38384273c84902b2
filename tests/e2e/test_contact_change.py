"""Contact change through the HTTP API on the real stack: the reference's worked example,
activation of new contacts, erasure of removed ones, every rule, cancel, revalidation."""

import asyncio
import uuid
from typing import Any

from sqlmodel import select

from models.audit import AuditEvent
from models.contact import Contact
from models.enums import UserState
from models.link import LinkToken
from models.request import ChangeRequest
from models.user import ApiToken, User
from tests.conftest import PUBLIC_URL, Stack
from tests.e2e.profile import request_rows
from tests.erasure import assert_erased
from tests.history_text import readable

ANNABELLE = {
    "salutation": "Ms",
    "first_name": "Annabelle",
    "last_name": "Greement",
    "email": "annabelle.greement@energy.example.com",
    "phone": "+44 161 496 0005",
    "job_title": "Contracts Manager",
}
TIMOTHY_TRACES = (
    "Timothy",
    "Ester",
    "timothy.ester@energy.example.com",
    "+44 161 496 0003",
    "Systems Engineer",
)


def contact_id(stack: Stack, first_name: str, customer: int = 0) -> str:
    contacts = stack.demo["customers"][customer]["contacts"]
    return str(next(c["id"] for c in contacts if c["name"].startswith(first_name)))


def worked_example(stack: Stack) -> dict[str, Any]:
    """Derek's phone; Timothy removed; Teresa gains Cust Admin, loses Financial; Annabelle."""
    return {
        "changes": [
            {
                "op": "update",
                "contact_id": contact_id(stack, "Derek"),
                "fields": {"phone": "+44 161 496 0999"},
            },
            {"op": "remove", "contact_id": contact_id(stack, "Timothy")},
            {"op": "add_roles", "contact_id": contact_id(stack, "Teresa"), "roles": ["cust_admin"]},
            {
                "op": "remove_roles",
                "contact_id": contact_id(stack, "Teresa"),
                "roles": ["financial"],
            },
            {"op": "add", "contact": ANNABELLE, "roles": ["agreement"]},
        ]
    }


async def file(stack: Stack, batch: dict[str, Any], who: str = "Derek", customer: int = 0) -> Any:
    customer_id = stack.demo["customers"][customer]["id"]
    return await stack.http.post(
        f"/customers/{customer_id}/contact-change-requests", json=batch, headers=stack.auth(who)
    )


async def filed(
    stack: Stack, batch: dict[str, Any], who: str = "Derek", customer: int = 0
) -> dict[str, Any]:
    response = await file(stack, batch, who, customer)
    assert response.status_code == 201, response.text
    return await stack.wait_for_request(
        response.json()["id"], lambda r: r["ticket_number"] is not None
    )


async def contacts(stack: Stack, who: str = "Derek") -> dict[str, dict[str, Any]]:
    response = await stack.http.get(
        f"/customers/{stack.customer_id}/contacts", headers=stack.auth(who)
    )
    assert response.status_code == 200, response.text
    return {c["first_name"]: c for c in response.json()}


async def test_worked_example_from_submission_to_activation(stack: Stack) -> None:
    request = await filed(stack, worked_example(stack))
    number = request["ticket_number"]
    assert request["kind"] == "contact_change" and request["status"] == "in_review"
    existing = {c["first_name"]: c for c in request["existing"]["contacts"]}
    requested = {c["first_name"] or c["id"]: c for c in request["requested"]["contacts"]}
    assert set(existing) == {"Derek", "Teresa", "Timothy", "Ursula"}
    assert {name: c["change"] for name, c in requested.items()} == {
        "Derek": "updated",
        "Teresa": "updated",
        "Timothy": "removed",
        "Ursula": "unchanged",
        "Annabelle": "added",
    }
    assert (existing["Teresa"]["roles"], requested["Teresa"]["roles"]) == (
        ["financial"],
        ["cust_admin"],
    )
    assert requested["Derek"]["phone"] == "+44 161 496 0999"
    assert requested["Annabelle"]["roles"] == ["agreement"] and requested["Annabelle"]["id"] is None

    # Pending: the contacts themselves are unchanged; the service team talks on the ticket.
    before = await contacts(stack)
    assert set(before) == {"Derek", "Teresa", "Timothy", "Ursula"}
    assert before["Teresa"]["roles"] == ["financial"]
    await stack.http.post(
        f"/tickets/{number}/comments",
        json={"body": "Confirming that Timothy Ester (timothy.ester@energy.example.com) leaves."},
        headers=stack.auth("Sam"),
    )

    implemented = await stack.http.post(
        f"/requests/{request['id']}/implement", headers=stack.auth("Sam")
    )
    assert implemented.status_code == 200, implemented.text
    assert implemented.json()["status"] == "implemented"
    assert implemented.json()["requested"]["changes"][4]["contact"]["first_name"] == "Annabelle"
    after = await contacts(stack)
    assert set(after) == {"Derek", "Teresa", "Ursula", "Annabelle"}
    assert after["Derek"]["phone"] == "+44 161 496 0999"
    assert after["Teresa"]["roles"] == ["cust_admin"]
    assert (
        after["Annabelle"]["roles"] == ["agreement"]
        and after["Annabelle"]["email"] == ANNABELLE["email"]
    )
    await stack.wait_for_mail(lambda m: "implemented" in m.subject)

    # The removed contact: token refused, every trace gone, the audit keeps only the fact.
    refused = await stack.http.get(f"/customers/{stack.customer_id}", headers=stack.auth("Timothy"))
    assert refused.status_code == 401
    await assert_erased(stack.sessions, *TIMOTHY_TRACES)
    async with stack.sessions() as session:
        audit = (
            await session.exec(
                select(AuditEvent).where(
                    AuditEvent.request_id == uuid.UUID(request["id"]),
                    AuditEvent.action == "implemented",
                )
            )
        ).one()
    assert audit.detail["removed"] == [contact_id(stack, "Timothy")]
    ticket = (await stack.http.get(f"/tickets/{number}", headers=stack.auth("Derek"))).json()
    assert "[removed contact]" in ticket["comments"][0]["body"]

    # The new contact's welcome email carries a one-time activation link.
    welcome = await stack.wait_for_mail(lambda m: "Welcome" in m.subject)
    assert welcome.recipients == (ANNABELLE["email"],)
    link = next(url for url in welcome.links if url.startswith(f"{PUBLIC_URL}/activate/"))
    assert f'href="{link}"' in (welcome.html or "")
    path = link.removeprefix(PUBLIC_URL)

    for method in ("GET", "HEAD", "GET"):
        shown = await stack.http.request(method, path)
        assert shown.status_code == 200
        assert shown.headers["cache-control"] == "no-store"
        # The token in the address goes into no Referer; the activation form keeps its
        # Origin, which the sign-in it starts is checked by.
        assert shown.headers["referrer-policy"] == "strict-origin"
        assert "default-src 'none'" in shown.headers["content-security-policy"]
    assert "Annabelle Greement" in shown.text and '<form method="post">' in shown.text
    assert await annabelles_account(stack) == (UserState.PENDING_ACTIVATION, 0, None)

    activated = await stack.http.post(path, headers={"Accept": "application/json"})
    assert activated.status_code == 200, activated.text
    token = activated.json()["token"]
    mine = await stack.http.get(
        f"/customers/{stack.customer_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert mine.status_code == 200
    state, tokens, used_at = await annabelles_account(stack)
    assert (state, tokens) == (UserState.ACTIVE, 1) and used_at is not None
    again = await stack.http.post(path)
    assert again.status_code == 410 and "already been used" in again.text
    assert (await stack.http.get(path)).status_code == 410

    history = readable(await _handle(stack, request["id"]).fetch_history())
    personal = [*TIMOTHY_TRACES, *ANNABELLE.values(), "Derek", "Teresa", "+44 161 496 0999"]
    assert [value for value in personal if value in history] == []


async def annabelles_account(stack: Stack) -> tuple[UserState, int, Any]:
    """Her user's state, how many API tokens she has, and when her link was used."""
    async with stack.sessions() as session:
        user = (
            await session.exec(
                select(User).join(Contact).where(Contact.email == ANNABELLE["email"])
            )
        ).one()
        tokens = (await session.exec(select(ApiToken).where(ApiToken.user_id == user.id))).all()
        link = (await session.exec(select(LinkToken).where(LinkToken.user_id == user.id))).one()
    return user.state, len(tokens), link.used_at


def _handle(stack: Stack, request_id: str) -> Any:
    return stack.temporal.get_workflow_handle(f"contact-change-{stack.customer_id}")


async def test_activation_link_before_activation_changes_nothing_and_forgeries_are_refused(
    stack: Stack,
) -> None:
    request = await filed(
        stack, {"changes": [{"op": "add", "contact": ANNABELLE, "roles": ["technical"]}]}
    )
    await stack.http.post(f"/requests/{request['id']}/implement", headers=stack.auth("Sam"))
    welcome = await stack.wait_for_mail(lambda m: "Welcome" in m.subject)
    path = next(url for url in welcome.links if "/activate/" in url).removeprefix(PUBLIC_URL)
    for forged in (path[:-1] + ("A" if path[-1] != "A" else "B"), "/activate/nonsense", path + "x"):
        response = await stack.http.get(forged)
        assert response.status_code == 404 and "not valid" in response.text
        assert (await stack.http.post(forged)).status_code == 404
    async with stack.sessions() as session:
        states = (await session.exec(select(ChangeRequest.status))).all()
    assert states == ["implemented"]
    assert (await stack.http.post(path, headers={"Accept": "application/json"})).status_code == 200


async def test_every_rule_is_reported_at_once_and_nothing_is_stored(stack: Stack) -> None:
    olive_email = "olive.ther@northwind.example.com"
    response = await file(
        stack,
        {
            "changes": [
                {"op": "remove", "contact_id": contact_id(stack, "Ursula")},
                {
                    "op": "remove_roles",
                    "contact_id": contact_id(stack, "Teresa"),
                    "roles": ["financial"],
                },
                {
                    "op": "add_roles",
                    "contact_id": contact_id(stack, "Ursula"),
                    "roles": ["security"],
                },
                {"op": "update", "contact_id": str(uuid.uuid4()), "fields": {"phone": "+44 1"}},
                {
                    "op": "add",
                    "contact": {**ANNABELLE, "email": olive_email},
                    "roles": ["agreement"],
                },
                {
                    "op": "add_roles",
                    "contact_id": contact_id(stack, "Olive", customer=1),
                    "roles": ["technical"],
                },
                {
                    "op": "add_roles",
                    "contact_id": contact_id(stack, "Derek"),
                    "roles": ["purchaser"],
                },
            ]
        },
    )
    assert response.status_code == 422, response.text
    found = {(tuple(p["loc"]), p["type"]) for p in response.json()["detail"]}
    assert {
        (("body", "changes", 2), "contradictory_change"),
        (("body", "changes", 1, "roles"), "no_role_left"),
        (("body", "changes", 3, "contact_id"), "unknown_contact"),
        (("body", "changes", 4, "contact", "email"), "email_in_use"),
        (("body", "changes", 5, "contact_id"), "unknown_contact"),
        (("body", "changes", 6, "roles"), "role_exclusivity"),
        (("body", "changes"), "required_role_unheld"),
    } <= found
    assert all(
        "Olive" not in p["msg"] and olive_email not in p["msg"] for p in response.json()["detail"]
    )

    shape = await file(
        stack,
        {
            "changes": [
                {"op": "add", "contact": {"first_name": "Ann"}, "roles": []},
                {"op": "add_roles", "contact_id": contact_id(stack, "Derek"), "roles": ["boss"]},
            ]
        },
    )
    assert shape.status_code == 422
    locs = {tuple(p["loc"][:5]) for p in shape.json()["detail"]}
    assert ("body", "changes", 0, "add", "roles") in locs
    assert ("body", "changes", 0, "add", "contact") in locs
    assert ("body", "changes", 1, "add_roles", "roles") in locs

    assert (await file(stack, worked_example(stack), who="Teresa")).status_code == 403
    assert (await file(stack, worked_example(stack), who="Olive")).status_code == 404
    assert await request_rows(stack) == 0
    await asyncio.sleep(0.2)
    assert stack.mail.messages == []


async def test_cancel_while_pending_changes_nothing(stack: Stack) -> None:
    before = await contacts(stack)
    request = await filed(stack, worked_example(stack))
    cancelled = await stack.http.post(
        f"/requests/{request['id']}/cancel", headers=stack.auth("Derek")
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert await contacts(stack) == before
    assert (
        await stack.http.get(f"/customers/{stack.customer_id}", headers=stack.auth("Timothy"))
    ).status_code == 200
    await stack.wait_for_mail(lambda m: "cancelled" in m.subject)
    assert not any("Welcome" in m.subject for m in stack.mail.messages)
    assert (await file(stack, worked_example(stack))).status_code == 201, "a new request may follow"


async def test_a_batch_that_no_longer_fits_goes_back_to_the_service_team(stack: Stack) -> None:
    # Both customers want the same new person; Northwind's request is implemented first.
    ours = await filed(stack, worked_example(stack))
    theirs = await filed(
        stack,
        {"changes": [{"op": "add", "contact": ANNABELLE, "roles": ["technical"]}]},
        who="Olive",
        customer=1,
    )
    assert (
        await stack.http.post(f"/requests/{theirs['id']}/implement", headers=stack.auth("Sam"))
    ).status_code == 200

    returned = await stack.http.post(f"/requests/{ours['id']}/implement", headers=stack.auth("Sam"))
    assert returned.status_code == 409, returned.text
    assert ours["ticket_number"] in returned.json()["detail"]
    still = await stack.wait_for_request(ours["id"], lambda r: True)
    assert still["status"] == "in_review"
    ticket = (
        await stack.http.get(f"/tickets/{ours['ticket_number']}", headers=stack.auth("Derek"))
    ).json()
    reason = ticket["comments"][-1]
    assert reason["kind"] == "system" and "email is already used" in reason["body"]
    told = await stack.wait_for_mail(lambda m: "needs another look" in m.subject)
    assert told.recipients == ("derek.emonstration@energy.example.com",)
    assert "email is already used" in (told.text or "")
    now = await contacts(stack)
    assert "Timothy" in now and now["Teresa"]["roles"] == ["financial"], "nothing applied"

    # It stays open with the service team, who can now decline it.
    declined = await stack.http.post(
        f"/requests/{ours['id']}/decline",
        json={"reason": "Please file it again."},
        headers=stack.auth("Sam"),
    )
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
