"""The team's page over real HTTP, for its team admins only: the members, the form that adds
one (problems beside their fields, the input kept), and deactivation after a page that asks
to confirm it, never of the last active admin."""

import re
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlmodel import col, select

from api.portal.render import day_in_words
from models.portal_session import PortalSession
from models.types import utcnow
from models.user import User
from tests.conftest import Stack
from tests.portal.test_sign_in import derek
from tests.portal.test_tickets import csrf, sam, signed_in

ALICE = "alice.agent@signoff.example.com"
TEAM_LINK = '<a href="/portal/team"'


def member_id(stack: Stack, first_name: str) -> str:
    return str(next(s["id"] for s in stack.demo["staff"] if s["name"].startswith(first_name)))


async def add_by_form(client: httpx.AsyncClient, data: dict[str, str]) -> httpx.Response:
    page = await client.get("/portal/team")
    assert page.status_code == 200, page.text
    return await client.post("/portal/team", data={"csrf_token": csrf(page), **data})


async def ask_to_deactivate(
    client: httpx.AsyncClient, staff_id: str, confirm: bool = False
) -> httpx.Response:
    page = await client.get("/portal/team")
    data = {"csrf_token": csrf(page), **({"confirm": "yes"} if confirm else {})}
    return await client.post(f"/portal/team/{staff_id}/deactivate", data=data)


def errors_beside(page: httpx.Response, field: str) -> list[str]:
    return re.findall(rf'<p class="field-error" id="f-{field}-error">([^<]*)</p>', page.text)


def field_value(page: httpx.Response, field: str) -> str:
    found = re.search(rf'id="f-{field}" name="{field}" value="([^"]*)"', page.text)
    assert found, page.text
    return found.group(1)


def row_of(page: httpx.Response, name: str) -> str:
    found = re.search(rf"<tr>\s*<th scope=\"row\"[^>]*>{re.escape(name)}.*?</tr>", page.text, re.S)
    assert found, page.text
    return found.group(0)


def test_a_day_is_written_in_words() -> None:
    assert day_in_words(datetime(2026, 12, 7, 23, 59, tzinfo=UTC)) == "7 December 2026"


async def test_team_is_in_the_navigation_of_team_admins_only(stack: Stack) -> None:
    async with (
        signed_in(stack, sam(stack)) as admin,
        signed_in(stack, ALICE) as member,
        signed_in(stack, derek(stack)["email"]) as contact,
    ):
        queue = await admin.get("/portal/queue")
        assert f"{TEAM_LINK}>Team</a>" in queue.text
        page = await admin.get("/portal/team")
        assert page.status_code == 200
        assert f'{TEAM_LINK} aria-current="page">Team</a>' in page.text
        assert "<h1>Team</h1>" in page.text

        for other, start in ((member, "/portal/queue"), (contact, "/portal/profile")):
            assert TEAM_LINK not in (await other.get(start)).text
            hidden = await other.get("/portal/team")
            assert (
                hidden.status_code == 404 and "Alice Agent" not in hidden.text.split("</header>")[1]
            )
            token = csrf(await other.get(start))
            for path in ("/portal/team", f"/portal/team/{member_id(stack, 'Sam')}/deactivate"):
                posted = await other.post(path, data={"csrf_token": token, "confirm": "yes"})
                assert posted.status_code == 404, posted.text
    listed = await stack.http.get("/staff", headers=stack.auth("Sam"))
    assert all(m["active"] for m in listed.json())


async def test_the_page_lists_the_members(stack: Stack) -> None:
    async with signed_in(stack, sam(stack)) as client:
        page = await client.get("/portal/team")
    sam_row, alice_row = row_of(page, "Sam Service"), row_of(page, "Alice Agent")
    today = day_in_words(utcnow())
    assert "(you)" in sam_row and "(you)" not in alice_row
    for row, email, role in ((sam_row, sam(stack), "Team admin"), (alice_row, ALICE, "Member")):
        assert f"<td>{email}</td>" in row and f"<td>{role}</td>" in row
        assert ">Active</span>" in row and f"<td>{today}</td>" in row
    assert ">Deactivate Alice Agent</button>" in alice_row
    assert ">Deactivate Sam Service</button>" in sam_row
    assert "The service team, by name: 2" in page.text
    table = page.text.split("<tbody>")[1]
    assert table.index("Alice Agent") < table.index("Sam Service"), "by name"
    for label in ("Name", "Email", "Team admin"):
        assert f'">{label}</label>' in page.text
    assert ">Add to the team</button>" in page.text


async def test_a_member_added_through_the_form_signs_in(stack: Stack) -> None:
    async with signed_in(stack, sam(stack)) as client:
        added = await add_by_form(
            client, {"name": "Bob Builder", "email": " Bob.Builder@signoff.example.com "}
        )
        assert added.status_code == 303, added.text
        assert added.headers["location"] == "/portal/team?done=staff-added"
        page = await client.get(added.headers["location"])
        assert "The new member is on the team." in page.text
        bob = row_of(page, "Bob Builder")
        assert "<td>bob.builder@signoff.example.com</td>" in bob and "<td>Member</td>" in bob

        admin = await add_by_form(
            client, {"name": "Ada Admin", "email": "ada@signoff.example.com", "admin": "yes"}
        )
        assert admin.status_code == 303
        ada = row_of(await client.get("/portal/team"), "Ada Admin")
        assert "<td>Team admin</td>" in ada
    async with signed_in(stack, "bob.builder@signoff.example.com") as bob_client:
        assert (await bob_client.get("/portal/queue")).status_code == 200
        assert (await bob_client.get("/portal/team")).status_code == 404
    async with signed_in(stack, "ada@signoff.example.com") as ada_client:
        assert (await ada_client.get("/portal/team")).status_code == 200


async def test_the_forms_problems_are_shown_beside_their_fields_with_the_input_kept(
    stack: Stack,
) -> None:
    async with signed_in(stack, sam(stack)) as client:
        both = await add_by_form(client, {"name": "  ", "email": "not an email", "admin": "yes"})
        assert both.status_code == 422
        assert errors_beside(both, "name") == ["Enter the name."]
        assert errors_beside(both, "email") == [
            "Enter a valid email address, such as name@example.com."
        ]
        assert "There are 2 problems" in both.text
        assert field_value(both, "email") == "not an email"
        assert re.search(r'id="f-admin" name="admin" value="yes" checked', both.text)

        contact: dict[str, Any] = {"name": "Derek Twin", "email": derek(stack)["email"]}
        taken = await add_by_form(client, contact)
        assert taken.status_code == 422
        assert errors_beside(taken, "email") == ["This email is already used by another account."]
        assert field_value(taken, "name") == "Derek Twin"
        assert field_value(taken, "email") == contact["email"]
        assert not re.search(r'id="f-admin" name="admin" value="yes" checked', taken.text)

        twice = await add_by_form(client, {"name": "Alice Again", "email": ALICE})
        assert twice.status_code == 409
        assert errors_beside(twice, "email") == ["A member of the team already has this email."]
        assert field_value(twice, "name") == "Alice Again"
    async with stack.sessions() as session:
        team = await session.exec(select(User).where(col(User.is_staff)))
        assert len(team.all()) == 2


async def test_deactivation_asks_first_then_ends_the_members_sessions_and_tokens(
    stack: Stack,
) -> None:
    alice = member_id(stack, "Alice")
    async with signed_in(stack, ALICE) as her, signed_in(stack, sam(stack)) as client:
        asked = await ask_to_deactivate(client, alice)
        assert asked.status_code == 200, asked.text
        assert "<h1>Deactivate Alice Agent?</h1>" in asked.text
        assert "every portal session and API token of theirs ends at once" in asked.text
        assert ">Yes, deactivate Alice Agent</button>" in asked.text
        assert '<a href="/portal/team">No, back to the team</a>' in asked.text
        # Asking changed nothing.
        assert (await stack.http.get("/tickets", headers=stack.auth("Alice"))).status_code == 200
        assert (await her.get("/portal/queue")).status_code == 200

        done = await client.post(
            f"/portal/team/{alice}/deactivate", data={"csrf_token": csrf(asked), "confirm": "yes"}
        )
        assert done.status_code == 303, done.text
        assert done.headers["location"] == "/portal/team?done=staff-deactivated"
        page = await client.get(done.headers["location"])
        assert (
            "The member is deactivated: their portal sessions and API tokens have ended."
            in page.text
        )
        row = row_of(page, "Alice Agent")
        assert ">Deactivated</span>" in row and "Deactivate Alice Agent" not in row

        assert (await stack.http.get("/tickets", headers=stack.auth("Alice"))).status_code == 401
        gone = await her.get("/portal/queue")
        assert gone.status_code == 303 and gone.headers["location"].startswith("/portal/sign-in")
        # Asked again, there is nothing to ask: back to the page.
        again = await ask_to_deactivate(client, alice)
        assert again.status_code == 303 and again.headers["location"] == "/portal/team"

        back = await add_by_form(client, {"name": "Alice Agent", "email": ALICE})
        assert back.status_code == 303
        assert back.headers["location"] == "/portal/team?done=staff-reactivated"
        page = await client.get(back.headers["location"])
        assert "The member is back on the team." in page.text
        assert ">Active</span>" in row_of(page, "Alice Agent")
    async with stack.sessions() as session:
        ended = await session.exec(
            select(PortalSession).where(PortalSession.user_id == User.id, User.email == ALICE)
        )
        assert all(s.ended_at is not None for s in ended)


async def test_the_last_active_admin_is_refused_beside_their_row(stack: Stack) -> None:
    me = member_id(stack, "Sam")
    async with signed_in(stack, sam(stack)) as client:
        refused = await ask_to_deactivate(client, me)
        assert refused.status_code == 409
        message = (
            "Sam Service is the last active team admin, so they cannot be deactivated: make "
            "another member a team admin first."
        )
        assert f'<p class="field-error" id="deactivate-{me}-error">{message}</p>' in refused.text
        assert f'aria-describedby="deactivate-{me}-error">Deactivate Sam Service<' in refused.text
        assert "Nobody was deactivated." in refused.text
        confirmed = await ask_to_deactivate(client, me, confirm=True)
        assert confirmed.status_code == 409 and message in confirmed.text
        assert (await client.get("/portal/team")).status_code == 200, "still signed in"


async def test_an_admin_who_deactivates_themselves_is_signed_out(stack: Stack) -> None:
    me = member_id(stack, "Sam")
    async with signed_in(stack, sam(stack)) as client:
        added = await add_by_form(
            client, {"name": "Ada Admin", "email": "ada@signoff.example.com", "admin": "yes"}
        )
        assert added.status_code == 303
        asked = await ask_to_deactivate(client, me)
        assert asked.status_code == 200 and "You (sam.service@" in asked.text
        done = await ask_to_deactivate(client, me, confirm=True)
        assert done.status_code == 303
        assert done.headers["location"] == "/portal/sign-in?done=signed-out"
        assert (await client.get("/portal/queue")).status_code == 303
    assert (await stack.http.get("/tickets", headers=stack.auth("Sam"))).status_code == 401
