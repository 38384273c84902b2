"""The service team's own accounts over the JSON API, on the real stack: listed, added and
brought back by a team admin only; a contact's email never a member's, nor the reverse;
deactivation ending the member's tokens and portal sessions at once, never the last admin."""

import asyncio
import uuid
from typing import Any

from sqlmodel import col, select

from models.enums import UserState
from models.portal_session import PortalSession
from models.tokens import generate_token, hash_token
from models.user import ApiToken, User
from tests.conftest import Stack
from tests.e2e.test_contact_change import file
from tests.portal.test_sign_in import browser, derek, sign_in

ALICE = "alice.agent@signoff.example.com"
BOB: dict[str, Any] = {"name": "Bob Builder", "email": "Bob.Builder@signoff.example.com"}


def member(stack: Stack, first_name: str) -> dict[str, Any]:
    return next(s for s in stack.demo["staff"] if s["name"].startswith(first_name))


async def add(stack: Stack, body: dict[str, Any], who: str = "Sam") -> Any:
    return await stack.http.post("/staff", json=body, headers=stack.auth(who))


async def deactivate(stack: Stack, staff_id: str, who: str = "Sam") -> Any:
    return await stack.http.post(f"/staff/{staff_id}/deactivate", headers=stack.auth(who))


async def test_a_team_admin_lists_the_team(stack: Stack) -> None:
    listed = await stack.http.get("/staff", headers=stack.auth("Sam"))
    assert listed.status_code == 200, listed.text
    team = {m["email"]: m for m in listed.json()}
    assert set(team) == {"sam.service@signoff.example.com", ALICE}
    assert team[ALICE] == {
        "id": member(stack, "Alice")["id"],
        "name": "Alice Agent",
        "email": ALICE,
        "admin": False,
        "active": True,
        "created_at": team[ALICE]["created_at"],
    }
    assert team["sam.service@signoff.example.com"]["admin"] is True
    assert [m["name"] for m in listed.json()] == ["Alice Agent", "Sam Service"], "by name"


async def test_only_a_team_admin_manages_the_team(stack: Stack) -> None:
    alice = member(stack, "Alice")
    for who in ("Alice", "Derek"):
        assert (await stack.http.get("/staff", headers=stack.auth(who))).status_code == 403
        refused = await add(stack, BOB, who)
        assert refused.status_code == 403, refused.text
        assert refused.json() == {"detail": "only a team admin may manage the team"}
        assert (await deactivate(stack, member(stack, "Sam")["id"], who)).status_code == 403
    assert (await stack.http.get("/staff")).status_code == 401
    assert (await deactivate(stack, alice["id"], "Alice")).status_code == 403
    listed = await stack.http.get("/staff", headers=stack.auth("Sam"))
    assert [m["email"] for m in listed.json() if m["active"]] == [
        ALICE,
        member(stack, "Sam")["email"],
    ]


async def test_a_member_added_signs_in_by_an_emailed_link_and_uses_the_staff_pages(
    stack: Stack,
) -> None:
    added = await add(stack, {**BOB, "admin": True})
    assert added.status_code == 201, added.text
    bob = added.json()
    assert bob["email"] == "bob.builder@signoff.example.com", "stored in lower case"
    assert (bob["name"], bob["admin"], bob["active"]) == ("Bob Builder", True, True)
    uuid.UUID(bob["id"])
    async with browser(stack) as client:
        await sign_in(stack, client, bob["email"])
        queue = await client.get("/portal/queue")
        assert queue.status_code == 200 and "Bob Builder" in queue.text


async def test_an_email_is_one_accounts(stack: Stack) -> None:
    """A contact's email is never a member's (422 beside the field), nor the reverse; an
    active member's email is refused as already on the team (409)."""
    refused = await add(stack, {"name": "Derek Again", "email": derek(stack)["email"].upper()})
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"] == [
        {
            "loc": ["body", "email"],
            "msg": "this email is already used by another account",
            "type": "email_in_use",
        }
    ]
    twice = await add(stack, {"name": "Alice Again", "email": ALICE})
    assert twice.status_code == 409, twice.text
    assert twice.json() == {"detail": "a member of the team already has this email"}

    contact = {"first_name": "Alice", "last_name": "Lookalike", "email": ALICE}
    taken = await file(
        stack, {"changes": [{"op": "add", "contact": contact, "roles": ["technical"]}]}
    )
    assert taken.status_code == 422, taken.text
    assert [(p["loc"], p["type"]) for p in taken.json()["detail"]] == [
        (["body", "changes", 0, "contact", "email"], "email_in_use")
    ]

    async with stack.sessions() as session:
        accounts = await session.exec(select(User).where(col(User.is_staff)))
        assert sorted(u.email or "" for u in accounts) == [ALICE, "sam.service@signoff.example.com"]


async def test_the_form_is_checked_as_every_form_is(stack: Stack) -> None:
    refused = await add(stack, {"name": " ", "email": "not an email", "admin": False, "x": 1})
    assert refused.status_code == 422
    assert sorted(tuple(p["loc"]) for p in refused.json()["detail"]) == [
        ("body", "email"),
        ("body", "name"),
        ("body", "x"),
    ]


async def test_deactivating_ends_the_members_token_and_portal_session_at_once(
    stack: Stack,
) -> None:
    alice = member(stack, "Alice")
    assert (await stack.http.get("/tickets", headers=stack.auth("Alice"))).status_code == 200
    async with browser(stack) as client:
        await sign_in(stack, client, ALICE)
        assert (await client.get("/portal/queue")).status_code == 200

        done = await deactivate(stack, alice["id"])
        assert done.status_code == 200, done.text
        assert (done.json()["active"], done.json()["name"]) == (False, "Alice Agent")

        assert (await stack.http.get("/tickets", headers=stack.auth("Alice"))).status_code == 401
        gone = await client.get("/portal/queue")
        assert gone.status_code == 303
        assert gone.headers["location"].startswith("/portal/sign-in?")
    async with stack.sessions() as session:
        user_id = uuid.UUID(alice["id"])
        sessions = list(
            await session.exec(select(PortalSession).where(PortalSession.user_id == user_id))
        )
        assert sessions and all(s.ended_at is not None for s in sessions)
        tokens = list(await session.exec(select(ApiToken).where(ApiToken.user_id == user_id)))
        assert tokens and all(t.revoked_at is not None for t in tokens)
        user = await session.get(User, user_id)
        assert user is not None and user.archived_at is not None

    again = await deactivate(stack, alice["id"])
    assert again.status_code == 200 and again.json()["active"] is False, "again changes nothing"
    listed = await stack.http.get("/staff", headers=stack.auth("Sam"))
    assert {m["email"]: m["active"] for m in listed.json()}[ALICE] is False
    # A deactivated member asks for a sign-in link in vain.
    async with browser(stack) as client:
        asked = await client.post("/portal/sign-in", data={"email": ALICE})
        assert asked.status_code == 200
    await asyncio.sleep(1)
    links = [m for m in stack.mail.messages if ALICE in m.recipients and "sign-in" in m.subject]
    assert len(links) == 1, "only the one she had while active"


async def test_the_last_active_admin_cannot_be_deactivated(stack: Stack) -> None:
    sam = member(stack, "Sam")
    refused = await deactivate(stack, sam["id"])
    assert refused.status_code == 409, refused.text
    assert "last active team admin" in refused.json()["detail"]
    assert (await stack.http.get("/staff", headers=stack.auth("Sam"))).status_code == 200

    # With a second admin, Sam may deactivate himself; then Bob is the last.
    bob = (await add(stack, {**BOB, "admin": True})).json()
    alone = await deactivate(stack, sam["id"])
    assert alone.status_code == 200, alone.text
    assert (await stack.http.get("/staff", headers=stack.auth("Sam"))).status_code == 401
    assert (await deactivate(stack, alice_id := member(stack, "Alice")["id"])).status_code == 401
    async with stack.sessions() as session:
        bob_token = await _token_for(session, bob["id"])
    assert (
        await stack.http.post(f"/staff/{bob['id']}/deactivate", headers=bob_token)
    ).status_code == 409
    assert (
        await stack.http.post(f"/staff/{alice_id}/deactivate", headers=bob_token)
    ).status_code == 200


async def test_two_deactivations_at_once_leave_an_admin(stack: Stack) -> None:
    """Sam and Bob, both admins, each deactivate the other at the same moment: one of them
    wins; the other is refused, whether its caller is found deactivated on arrival (401),
    once its turn to write comes (403), or its target is then the last admin (409)."""
    bob = (await add(stack, {**BOB, "admin": True})).json()
    sam = member(stack, "Sam")
    async with stack.sessions() as session:
        bob_token = await _token_for(session, bob["id"])
    answers = await asyncio.gather(
        stack.http.post(f"/staff/{bob['id']}/deactivate", headers=stack.auth("Sam")),
        stack.http.post(f"/staff/{sam['id']}/deactivate", headers=bob_token),
    )
    assert sorted(a.status_code for a in answers) in ([200, 401], [200, 403], [200, 409]), [
        a.text for a in answers
    ]
    async with stack.sessions() as session:
        admins = await session.exec(
            select(User).where(
                col(User.is_staff), col(User.is_admin), User.state == UserState.ACTIVE
            )
        )
        assert len(admins.all()) == 1


async def test_adding_a_deactivated_members_email_brings_them_back(stack: Stack) -> None:
    alice = member(stack, "Alice")
    assert (await deactivate(stack, alice["id"])).status_code == 200
    back = await add(stack, {"name": "Alice Agent-Smith", "email": ALICE.upper(), "admin": True})
    assert back.status_code == 200, back.text
    assert back.json() == {
        "id": alice["id"],
        "name": "Alice Agent-Smith",
        "email": ALICE,
        "admin": True,
        "active": True,
        "created_at": back.json()["created_at"],
    }
    # Her old token stays revoked: she signs in afresh and makes new ones.
    assert (await stack.http.get("/tickets", headers=stack.auth("Alice"))).status_code == 401
    async with browser(stack) as client:
        await sign_in(stack, client, ALICE)
        assert (await client.get("/portal/queue")).status_code == 200
    listed = await stack.http.get("/staff", headers=stack.auth("Sam"))
    assert {m["email"]: m["admin"] for m in listed.json()}[ALICE] is True, "an admin now"


async def _token_for(session: Any, user_id: str) -> dict[str, str]:
    """A fresh API token for a member added in the test."""
    token = generate_token()
    session.add(ApiToken(user_id=uuid.UUID(user_id), token_hash=hash_token(token)))
    await session.commit()
    return {"Authorization": f"Bearer {token}"}
