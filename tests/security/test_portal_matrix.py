"""Every page of the portal, opened by every kind of person, against one table of outcomes.

The same cast as the API's matrix, each signed in with a portal session instead of a bearer
token: a page must answer exactly as the API's rule says (another customer's objects are 404,
as if they did not exist), and no page may show what its viewer must not see. A route that
neither this table nor the API's names fails the test.
"""

import re
from typing import Any

import httpx
import pytest
from sqlmodel import select

from api.main import create_app
from api.portal.auth import COOKIE, form_token
from api.services import portal_sessions
from api.services.portal_sessions import SignedIn
from models.access import Principal
from models.portal_session import PortalSession
from models.tokens import hash_token
from models.types import utcnow
from models.user import ApiToken
from settings import Settings
from tests.conftest import Stack
from tests.e2e.profile import NEW_LEGAL
from tests.e2e.purchaser import URSULA
from tests.e2e.test_contact_change import contact_id
from tests.security.actors import Actor, Scene, set_scene
from tests.security.test_authorization_matrix import app_routes, in_the_portal_matrix

# "ok": permitted and answered on the merits: 2xx, a redirect that is not to the sign-in
# page, or 409/422 where the permitted form is not valid in the scene. "in": sent to sign in.
OK, SIGN_IN = "ok", "in"
COLUMNS = ("anon", "bad", "mgmt", "cadm", "tech", "agmt", "proc", "othr", "purc", "staf")
# Rows run top to bottom: a cell that changes something comes after those it would disturb,
# and signing out comes last.
TABLE = """
                                      anon bad  mgmt cadm tech agmt proc othr purc staf
/
  GET                                 303  303  303  303  303  303  303  303  303  303
/portal
  GET                                 in   in   ok   ok   ok   ok   ok   ok   ok   ok
/portal/sign-in
  GET                                 200  200  303  303  303  303  303  303  303  303
  POST                                200  200  200  200  200  200  200  200  200  200
/portal/sign-in/{token}
  HEAD                                404  404  404  404  404  404  404  404  404  404
  GET                                 404  404  404  404  404  404  404  404  404  404
  POST                                404  404  404  404  404  404  404  404  404  404
/portal/profile
  GET                                 in   in   200  200  200  200  200  200  200  404
  POST                                in   in   ok   ok   403  403  403  ok   403  404
/portal/contacts
  GET                                 in   in   200  200  200  200  200  200  200  404
  POST                                in   in   ok   ok   403  403  403  ok   403  404
/portal/purchaser/addition
  GET                                 in   in   409  409  403  403  403  200  403  404
  POST                                in   in   409  409  403  403  403  ok   403  404
/portal/purchaser/removal
  GET                                 in   in   200  200  403  403  403  409  403  404
  POST                                in   in   ok   ok   403  403  403  409  403  404
/portal/requests
  GET                                 in   in   200  200  200  200  200  200  200  200
/portal/roles
  GET                                 in   in   200  200  200  200  200  200  200  200
/portal/roles/{role}
  GET                                 in   in   200  200  200  200  200  200  200  200
/portal/requests/{request_id}
  GET                                 in   in   200  200  200  200  200  404  404  200
  POST /reply                         in   in   ok   ok   ok   ok   ok   404  404  ok
  POST /implement                     in   in   403  403  403  403  403  404  404  ok
  POST /decline                       in   in   403  403  403  403  403  404  404  ok
  POST /cancel                        in   in   ok   ok   403  403  403  404  404  403
/portal/queue
  GET                                 in   in   404  404  404  404  404  404  404  200
/portal/customers
  GET                                 in   in   404  404  404  404  404  404  404  200
/portal/customers/new
  GET                                 in   in   404  404  404  404  404  404  404  200
  POST                                in   in   404  404  404  404  404  404  404  ok
/portal/customers/{customer_id}
  GET                                 in   in   404  404  404  404  404  404  404  200
  GET  /audit.csv                     in   in   404  404  404  404  404  404  404  200
  POST /archive                       in   in   404  404  404  404  404  404  404  ok
  POST /notes                         in   in   404  404  404  404  404  404  404  ok
  GET  /profile                       in   in   404  404  404  404  404  404  404  200
  POST /profile                       in   in   404  404  404  404  404  404  404  ok
  GET  /contacts                      in   in   404  404  404  404  404  404  404  200
  POST /contacts                      in   in   404  404  404  404  404  404  404  ok
  GET  /purchaser/addition            in   in   404  404  404  404  404  404  404  409
  POST /purchaser/addition            in   in   404  404  404  404  404  404  404  409
  GET  /purchaser/removal             in   in   404  404  404  404  404  404  404  200
  POST /purchaser/removal             in   in   404  404  404  404  404  404  404  ok
/portal/tickets
  GET                                 in   in   200  200  200  200  200  200  200  200
  GET  /new                           in   in   200  200  200  200  200  200  200  403
  POST                                in   in   ok   ok   ok   ok   ok   ok   ok   403
/portal/tickets/{number}
  GET                                 in   in   200  200  200  200  200  404  404  200
  POST /comments                      in   in   ok   ok   ok   ok   ok   404  404  ok
  POST /notes                         in   in   403  403  403  403  403  404  404  ok
  POST /attachments                   in   in   ok   ok   ok   ok   ok   404  404  ok
  GET  /attachments/{attachment_id}   in   in   200  200  200  200  200  404  404  200
  POST /participants                  in   in   ok   ok   ok   403  403  404  404  ok
  POST /participants/{contact_id}/remove in in  ok   ok   ok   403  403  404  404  ok
  POST /assign                        in   in   403  403  403  403  403  404  404  ok
  POST /resolve                       in   in   403  403  ok   403  403  404  404  ok
/portal/tokens
  GET                                 in   in   200  200  200  200  200  200  200  200
  POST                                in   in   ok   ok   ok   ok   ok   ok   ok   ok
/portal/tokens/{token_id}        (Derek's)
  POST /revoke                        in   in   ok   404  404  404  404  404  404  404
/portal/team
  GET                                 in   in   404  404  404  404  404  404  404  200
  POST                                in   in   404  404  404  404  404  404  404  ok
/portal/team/{staff_id}          (Alice's: a page that asks to confirm)
  POST /deactivate                    in   in   404  404  404  404  404  404  404  ok
/portal/sign-out
  POST                                in   in   ok   ok   ok   ok   ok   ok   ok   ok
"""
# Mounted static files: the same for everyone, and named here so that a new mount is decided.
MOUNTS = {"? /static": "/static/portal.css", "? /docs-assets": "/docs-assets/swagger-ui.css"}


def parse(table: str) -> dict[str, dict[str, str]]:
    header, *lines = [line for line in table.splitlines() if line.strip()]
    assert tuple(header.split()) == COLUMNS
    rows: dict[str, dict[str, str]] = {}
    prefix = ""
    for line in lines:
        if not line.startswith(" "):
            prefix = line.split()[0]
            continue
        method, *cells = line.split()
        suffix = cells.pop(0) if cells and cells[0].startswith("/") else ""
        route = f"{method} {'' if prefix == '/' and suffix else prefix}{suffix}"
        assert route not in rows and len(cells) == len(COLUMNS), line
        assert all(c in (OK, SIGN_IN) or c.isdigit() for c in cells), line
        rows[route] = dict(zip(COLUMNS, cells, strict=True))
    return rows


EXPECTED = parse(TABLE)
WHITESPACE = re.compile(r"\s+")


def test_every_page_of_the_portal_has_a_row() -> None:
    routes = app_routes(create_app(Settings()))
    pages = [route for route in routes if in_the_portal_matrix(route) and route[0] != "?"]
    assert sorted(set(pages) ^ set(EXPECTED)) == []
    assert [r for r in routes if r.startswith("? ")] == sorted(MOUNTS)


async def _signed_in(stack: Stack, actor: Actor) -> tuple[str, str] | None:
    """A portal session for the actor's account (its cookie and its forms' token)."""
    if actor.bearer is None or actor.key == "bad":
        return None
    async with stack.sessions() as session:
        token = (
            await session.exec(
                select(ApiToken).where(ApiToken.token_hash == hash_token(actor.bearer))
            )
        ).one()
        key = await portal_sessions.start(session, token.user_id, stack.settings, utcnow())
        await session.commit()
        row = (
            await session.exec(
                select(PortalSession).where(PortalSession.key_hash == hash_token(key))
            )
        ).one()
    assert row.id is not None
    person = SignedIn(row.id, Principal(user_id=token.user_id, is_staff=False), actor.who, "")
    return key, form_token(stack.settings, person)


def bodies(stack: Stack) -> dict[str, dict[str, str]]:
    """What each form sends: valid, so that only who sends it decides the answer."""
    legal = NEW_LEGAL["address"]
    return {
        "POST /portal/sign-in": {"email": "nobody@example.com"},
        "POST /portal/profile": {
            "legal.name": "Matrix Holdings plc",
            "legal.address.street": legal["street"],
            "legal.address.city": legal["city"],
            "legal.address.postal_code": legal["postal_code"],
            "legal.address.country": legal["country"],
            "payment_same_as_legal": "yes",
        },
        "POST /portal/purchaser/removal": {
            "holder.financial": contact_id(stack, "Teresa"),
            "approver.name": URSULA["name"],
            "approver.email": URSULA["email"],
        },
        "POST /portal/requests/{request_id}/reply": {"body": "A reply from the matrix."},
        "POST /portal/requests/{request_id}/decline": {"reason": "Declined by the matrix."},
        # The confirmation page only: archiving needs its own button (confirm=yes).
        "POST /portal/customers/{customer_id}/archive": {"reason": "Archived by the matrix."},
        "POST /portal/tickets": {"subject": "Matrix", "description": "From the matrix."},
        "POST /portal/tickets/{number}/comments": {"body": "A comment from the matrix."},
        "POST /portal/tickets/{number}/notes": {"note": "A note from the matrix."},
        "POST /portal/customers/{customer_id}/notes": {"note": "A note from the matrix."},
        "POST /portal/tickets/{number}/participants": {"contact_id": contact_id(stack, "Teresa")},
        "POST /portal/tokens": {"name": "Matrix"},
        "POST /portal/team": {"name": "Matrix Member", "email": "matrix@signoff.example.com"},
    }


# What each form that attaches a file sends as its file.
FILES = {
    "POST /portal/tickets/{number}/attachments": {
        "file": ("matrix.txt", b"A file from the matrix.", "text/plain")
    },
}


def outcome_matches(expected: str, response: httpx.Response) -> bool:
    location = response.headers.get("location", "")
    # Sent to sign in, rather than signed out (whose redirect says it is done).
    to_sign_in = (
        response.status_code == 303
        and location.split("?")[0] == "/portal/sign-in"
        and "done=" not in location
    )
    if expected == SIGN_IN:
        return to_sign_in
    if expected == OK:
        return not to_sign_in and (
            200 <= response.status_code < 400 or response.status_code in (409, 422)
        )
    return response.status_code == int(expected)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"failed_attempts_per_minute": 10_000}


async def test_every_page_answers_every_person_as_the_table_says(stack: Stack) -> None:
    scene: Scene = await set_scene(stack)
    actors = [actor for actor in scene.actors if actor.key in COLUMNS]
    assert tuple(actor.key for actor in actors) == COLUMNS
    async with stack.sessions() as session:
        derek_token = (
            await session.exec(
                select(ApiToken.id).where(ApiToken.token_hash == hash_token(stack.tokens["Derek"]))
            )
        ).one()
    path = {**scene.path, "token": "not-a-link", "token_id": str(derek_token), "role": "security"}
    signed = {actor.key: await _signed_in(stack, actor) for actor in actors}
    posts = bodies(stack)
    problems: list[str] = []
    base = str(stack.http.base_url)
    for route, row in EXPECTED.items():
        method, template = route.split(" ", 1)
        for actor in actors:
            cookies, data = {}, dict(posts.get(route, {}))
            if actor.key == "bad":
                cookies = {COOKIE: "not-a-session"}
            elif (signed_in := signed[actor.key]) is not None:
                cookies = {COOKIE: signed_in[0]}
                data["csrf_token"] = signed_in[1]
                if route == "POST /portal/tokens":
                    data["form_key"] = f"the-matrix-form-of-{actor.key}"
            async with httpx.AsyncClient(base_url=base, cookies=cookies, timeout=30) as client:
                response = await client.request(
                    method,
                    template.format(**path),
                    data=data if method == "POST" else None,
                    files=FILES.get(route),
                )
            if not outcome_matches(row[actor.key], response):
                said = WHITESPACE.sub(" ", response.text)[:200]
                problems.append(
                    f"{route} as {actor.key} ({actor.who}): got {response.status_code} "
                    f"{response.headers.get('location', '')}, expected {row[actor.key]}: "
                    f"{said!r}"
                )
            if leaked := sorted(value for value in actor.hidden if value in response.text):
                problems.append(f"{route} as {actor.key} ({actor.who}): shows {leaked}")
    for mount, asset in MOUNTS.items():
        answer = await stack.http.get(asset)
        if answer.status_code != 200:
            problems.append(f"{mount}: {asset} answered {answer.status_code}")
    assert problems == [], "\n".join(problems)
