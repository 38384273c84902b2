"""Every route of the app, called by every kind of caller, against one table of outcomes.

A route the table does not name fails the test: a new route cannot go in without deciding who
may call it. Path parameters name customer 1's objects, so customer 2's contact must get 404
(not 403: existence does not leak), and no answer may carry what its caller must not see.
"""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from api.main import create_app
from settings import Settings
from tests.conftest import Stack
from tests.e2e.profile import NEW_LEGAL
from tests.e2e.purchaser import FORM as PURCHASER_FORM
from tests.e2e.test_contact_change import contact_id
from tests.e2e.test_purchaser_removal import give_financial_to_teresa
from tests.security.actors import Actor, Scene, set_scene

# "ok": permitted. The caller got past every check of who it is and what it may do, and was
# answered on the merits: 2xx, or 409/422 where the permitted call is not valid in the scene
# (filings are sent so that they file nothing; the request is cancelled before staff decide).
OK = "ok"
OK_STATUSES = frozenset({*range(200, 300), 409, 422})

# Columns, the actors (actors.set_scene sets them up and checks their roles):
#   anon  no Authorization header
#   bad   a bearer token that is no one's
#   mgmt  Derek, customer 1: Management + Cust Admin; he filed the requests
#   cadm  Adam, customer 1: Cust Admin only
#   tech  Timothy, customer 1: Technical + Application + Security
#   agmt  Ursula, customer 1: Agreement
#   proc  Teresa, customer 1: Procurement
#   othr  Olive, customer 2: every requester role
#   purc  Paula, customer 1's purchaser contact: Financial + Purchaser
#   staf  Sam, the service team
#   appr  the link in Ursula's approval email for a pending purchaser removal
#   actv  the link in Penny's welcome email, not yet used
# Link holders present their link's token as a bearer token on the API; the others put their
# API token (or a guess) where a link's token goes.
# Rows: a path, then its methods and sub-paths. They run top to bottom, actors left to right,
# so a cell that changes something comes after the cells it would disturb. Timothy raised the
# ticket `{number}`; `{contact_id}` is Teresa, whom the POST copies on it: Derek's DELETE
# takes her off, after which she is copied no more (404) for those who may take her off.
TABLE = """
                                    anon bad  mgmt cadm tech agmt proc othr purc staf appr actv
/customers
  GET                               401  401  403  403  403  403  403  403  403  200  401  401
  POST                              401  401  403  403  403  403  403  403  403  ok   401  401
/customers/{customer_id}
  GET                               401  401  200  200  200  200  200  404  200  200  401  401
  GET  /contacts                    401  401  200  200  200  200  200  404  200  200  401  401
  GET  /audit                       401  401  200  403  403  403  403  404  403  200  401  401
  GET  /notes                       401  401  404  404  404  404  404  404  404  200  401  401
  POST /notes                       401  401  404  404  404  404  404  404  404  201  401  401
  GET  /messages                    401  401  404  404  404  404  404  404  404  200  401  401
  POST /archive                     401  401  404  404  404  404  404  404  404  ok   401  401
  POST /profile-change-requests     401  401  ok   ok   403  403  403  404  403  ok   401  401
  POST /contact-change-requests     401  401  ok   ok   403  403  403  404  403  ok   401  401
  POST /purchaser-addition-requests 401  401  ok   ok   403  403  403  404  403  ok   401  401
  POST /purchaser-removal-requests  401  401  ok   ok   403  403  403  404  403  ok   401  401
/requests
  GET                               401  401  200  200  200  200  200  200  200  200  401  401
/requests/{request_id}
  GET                               401  401  200  200  200  200  200  404  404  200  401  401
  POST /cancel                      401  401  ok   ok   403  403  403  404  404  403  401  401
  POST /implement                   401  401  403  403  403  403  403  404  404  ok   401  401
  POST /decline                     401  401  403  403  403  403  403  404  404  ok   401  401
/tickets
  GET                               401  401  200  200  200  200  200  200  200  200  401  401
  POST                              401  401  201  201  201  201  201  201  201  403  401  401
/tickets/{number}
  GET                               401  401  200  200  200  200  200  404  404  200  401  401
  POST /comments                    401  401  201  201  201  201  201  404  404  201  401  401
  POST /notes                       401  401  403  403  403  403  403  404  404  201  401  401
  POST /attachments                 401  401  201  201  201  201  201  404  404  201  401  401
  GET  /attachments/{attachment_id} 401  401  200  200  200  200  200  404  404  200  401  401
  POST /participants                401  401  ok   ok   ok   403  403  404  404  ok   401  401
  DELETE /participants/{contact_id} 401  401  204  404  404  403  403  404  404  404  401  401
  POST /assign                      401  401  403  403  403  403  403  404  404  200  401  401
  POST /resolve                     401  401  403  403  200  403  403  404  404  200  401  401
/staff
  GET                               401  401  403  403  403  403  403  403  403  200  401  401
  POST                              401  401  403  403  403  403  403  403  403  201  401  401
/staff/{staff_id}
  POST /deactivate                  401  401  403  403  403  403  403  403  403  200  401  401
/approvals/{token}
  HEAD                              404  404  404  404  404  404  404  404  404  404  200  404
  GET                               404  404  404  404  404  404  404  404  404  404  200  404
  POST /comments                    404  404  404  404  404  404  404  404  404  404  303  404
  POST                              404  404  404  404  404  404  404  404  404  404  200  404
/activate/{token}
  HEAD                              404  404  404  404  404  404  404  404  404  404  404  200
  GET                               404  404  404  404  404  404  404  404  404  404  404  200
  POST                              404  404  404  404  404  404  404  404  404  404  404  303
/healthz
  GET                               200  200  200  200  200  200  200  200  200  200  200  200
/readyz
  GET                               200  200  200  200  200  200  200  200  200  200  200  200
/metrics
  GET                               401  401  401  401  401  401  401  401  401  401  401  401
/openapi.json
  GET                               200  200  200  200  200  200  200  200  200  200  200  200
/docs
  GET                               200  200  200  200  200  200  200  200  200  200  200  200
  GET  /oauth2-redirect             200  200  200  200  200  200  200  200  200  200  200  200
/redoc
  GET                               200  200  200  200  200  200  200  200  200  200  200  200
"""


def parse(table: str) -> tuple[tuple[str, ...], dict[str, dict[str, str]]]:
    """The actor columns, and each route's ("GET /path") expected outcome by actor."""
    header, *lines = [line for line in table.splitlines() if line.strip()]
    columns = tuple(header.split())
    rows: dict[str, dict[str, str]] = {}
    prefix = ""
    for line in lines:
        if not line.startswith(" "):
            prefix = line.strip()
            continue
        method, *cells = line.split()
        suffix = cells.pop(0) if cells and cells[0].startswith("/") else ""
        route = f"{method} {prefix}{suffix}"
        if route in rows or len(cells) != len(columns):
            raise ValueError(f"bad row for {route}: {line!r}")
        if any(cell != OK and not cell.isdigit() for cell in cells):
            raise ValueError(f"a cell is neither {OK!r} nor a status code: {line!r}")
        rows[route] = dict(zip(columns, cells, strict=True))
    return columns, rows


COLUMNS, EXPECTED = parse(TABLE)


def app_routes(app: FastAPI) -> list[str]:
    """Every method and path the app answers, as "GET /path"."""
    routes: list[str] = []
    # This FastAPI keeps included routers nested in app.routes; this flattens them.
    for route in iter_route_contexts(app.routes):
        methods = set(route.methods or {"?"})
        if "GET" in methods:
            methods.discard("HEAD")  # Starlette's own HEAD for a GET route
        routes += [f"{method} {route.path}" for method in sorted(methods)]
    return routes


def in_the_portal_matrix(route: str) -> bool:
    """The portal's pages and the mounted static files: tests/security/test_portal_matrix.py."""
    method, path = route.split(" ", 1)
    return method == "?" or path == "/" or path == "/portal" or path.startswith("/portal/")


def unmatched_routes(routes: list[str]) -> list[str]:
    missing = [
        f"{route}: no row in the table"
        for route in routes
        if route not in EXPECTED and not in_the_portal_matrix(route)
    ]
    return missing + [f"{route}: a row for no route" for route in EXPECTED if route not in routes]


def bodies(stack: Stack) -> dict[str, dict[str, Any]]:
    """What each POST sends: valid, so that only who is calling decides its answer."""
    customer = "POST /customers/{customer_id}"
    return {
        # Customer 1 already has a profile change, a purchaser and a removal open: 409.
        f"{customer}/profile-change-requests": {"json": {"legal": NEW_LEGAL, "payment": None}},
        f"{customer}/purchaser-addition-requests": {"json": PURCHASER_FORM},
        f"{customer}/purchaser-removal-requests": {"json": give_financial_to_teresa(stack)},
        # Derek is the only Management: 422, nothing filed.
        f"{customer}/contact-change-requests": {
            "json": {
                "changes": [
                    {
                        "op": "remove_roles",
                        "contact_id": contact_id(stack, "Derek"),
                        "roles": ["management"],
                    }
                ]
            }
        },
        # Derek's email is his: 422 for the service team, nothing created.
        "POST /customers": {
            "json": {
                "name": "Matrix Ltd",
                "address": {
                    "street": "1 Row",
                    "city": "Leeds",
                    "postal_code": "LS1 1AA",
                    "country": "GB",
                },
                "contacts": [
                    {
                        "first_name": "Derek",
                        "last_name": "Again",
                        "email": "derek.emonstration@energy.example.com",
                        "roles": ["management", "cust_admin", "financial"],
                    }
                ],
            }
        },
        # Customer 1 has requests open: archiving it is refused (409), nothing erased.
        f"{customer}/archive": {"json": {"reason": "Archived by the matrix."}},
        "POST /requests/{request_id}/decline": {"json": {"reason": "Declined by the matrix."}},
        "POST /tickets": {
            "json": {"subject": "Matrix", "body": "From the matrix.", "shared": False}
        },
        "POST /tickets/{number}/comments": {"json": {"body": "A comment from the matrix."}},
        "POST /tickets/{number}/notes": {"json": {"body": "A note from the matrix."}},
        "POST /customers/{customer_id}/notes": {"json": {"body": "A note from the matrix."}},
        "POST /tickets/{number}/participants": {
            "json": {"contact_id": contact_id(stack, "Teresa")}
        },
        "POST /tickets/{number}/assign": {"json": {"owner_id": None}},
        "POST /tickets/{number}/attachments": {
            "files": {"file": ("matrix.txt", b"A file from the matrix.", "text/plain")}
        },
        "POST /staff": {"json": {"name": "Matrix Member", "email": "matrix@signoff.example.com"}},
        "POST /approvals/{token}/comments": {"data": {"comment": "A question from the matrix."}},
        "POST /approvals/{token}": {"data": {"decision": "approve", "comment": ""}},
    }


async def call(
    stack: Stack, scene: Scene, route: str, actor: Actor, body: dict[str, Any]
) -> httpx.Response:
    method, template = route.split(" ", 1)
    path = template.format(**scene.path, token=actor.link_token)
    headers = actor.headers(on_link="{token}" in template)
    return await stack.http.request(method, path, headers=headers, **body)


def outcome_matches(expected: str, status: int) -> bool:
    return status in OK_STATUSES if expected == OK else status == int(expected)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # The matrix fails on purpose more than a client may fail within a minute (401s, link 404s).
    return {"failed_attempts_per_minute": 10_000}


def test_every_route_of_the_app_has_a_row() -> None:
    assert unmatched_routes(app_routes(create_app(Settings()))) == []


async def test_every_route_answers_every_actor_as_the_table_says(stack: Stack) -> None:
    scene = await set_scene(stack)
    assert tuple(actor.key for actor in scene.actors) == COLUMNS
    await lists_show_only_what_each_may_see(stack, scene)
    routes = app_routes(create_app(stack.settings))
    problems = unmatched_routes(routes)
    posts = bodies(stack)
    for route, row in EXPECTED.items():
        if route not in routes:
            continue
        for actor in scene.actors:
            response = await call(stack, scene, route, actor, posts.get(route, {}))
            if not outcome_matches(row[actor.key], response.status_code):
                problems.append(
                    f"{route} as {actor.key} ({actor.who}): got {response.status_code}, "
                    f"expected {row[actor.key]}: {response.text[:160]!r}"
                )
            if leaked := sorted(value for value in actor.hidden if value in response.text):
                problems.append(f"{route} as {actor.key} ({actor.who}): shows {leaked}")
    assert problems == [], "\n".join(problems)


async def lists_show_only_what_each_may_see(stack: Stack, scene: Scene) -> None:
    """GET /requests answers every signed-in caller, with only the requests it may see: none
    of customer 1's to customer 2's contact, none at all to the purchaser's contact."""
    listed: dict[str, list[dict[str, Any]]] = {}
    for actor in scene.actors:
        if actor.key in ("mgmt", "othr", "purc", "staf"):
            answer = await stack.http.get("/requests", headers=actor.headers(on_link=False))
            assert answer.status_code == 200, (actor.key, answer.text)
            listed[actor.key] = answer.json()
    customers = {key: {item["customer_id"] for item in items} for key, items in listed.items()}
    assert customers["othr"] == {stack.other_customer_id}
    assert listed["purc"] == []
    assert customers["mgmt"] == {stack.customer_id}
    assert customers["staf"] == {stack.customer_id, stack.other_customer_id}
    assert scene.path["request_id"] in {item["id"] for item in listed["mgmt"]}
