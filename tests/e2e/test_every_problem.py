"""Every problem at once through the JSON API on the real stack: a batch the schema refuses
still has the rules checked on what of it can be read, in one 422, for a caller who may
file it; nothing is stored or sent."""

import asyncio
from typing import Any

from tests.conftest import Stack
from tests.e2e.profile import request_rows
from tests.e2e.test_contact_change import ANNABELLE, contact_id, file

NEW = {"first_name": "Nora", "last_name": "Role", "email": "nora.role@energy.example.com"}


def issue_example(stack: Stack) -> dict[str, Any]:
    """A malformed email on an added contact, a new contact with no role, and the only
    Management's role removed."""
    return {
        "changes": [
            {"op": "add", "contact": {**ANNABELLE, "email": "annabelle@"}, "roles": ["agreement"]},
            {"op": "add", "contact": NEW, "roles": []},
            {
                "op": "remove_roles",
                "contact_id": contact_id(stack, "Derek"),
                "roles": ["management"],
            },
        ]
    }


def problems(response: Any) -> list[tuple[tuple[str | int, ...], str]]:
    return [(tuple(p["loc"]), p["msg"]) for p in response.json()["detail"]]


async def nothing_filed(stack: Stack) -> None:
    assert await request_rows(stack) == 0
    await asyncio.sleep(0.2)
    assert stack.mail.messages == []


async def test_the_schemas_and_the_rules_problems_in_one_answer(stack: Stack) -> None:
    response = await file(stack, issue_example(stack))
    assert response.status_code == 422, response.text
    found = problems(response)
    assert [loc for loc, _ in found] == [
        ("body", "changes", 0, "add", "contact", "email"),
        ("body", "changes", 1, "add", "roles"),
        ("body", "changes"),
    ], found
    assert "email" in found[0][1]
    assert found[2][1] == "the required role Management would be held by no contact"
    await nothing_filed(stack)


async def test_the_rules_read_past_what_cannot_take_part(stack: Stack) -> None:
    batch = {
        "changes": [
            {"op": "zap", "contact_id": contact_id(stack, "Teresa")},
            {"op": "update", "contact_id": contact_id(stack, "Derek"), "fields": {"email": "x"}},
            {"op": "remove", "contact_id": contact_id(stack, "Ursula")},
        ]
    }
    response = await file(stack, batch)
    assert response.status_code == 422, response.text
    locs = [loc for loc, _ in problems(response)]
    assert locs[:2] == [("body", "changes", 0), ("body", "changes", 1, "update", "fields", "email")]
    # Ursula alone holds Agreement.
    assert locs[2:] == [("body", "changes")], locs
    await nothing_filed(stack)


async def test_only_the_schemas_problems_when_the_rules_find_none(stack: Stack) -> None:
    batch = {
        "changes": [{"op": "add", "contact": {**NEW, "email": "nora"}, "roles": ["technical"]}]
    }
    response = await file(stack, batch)
    assert response.status_code == 422, response.text
    assert [loc for loc, _ in problems(response)] == [
        ("body", "changes", 0, "add", "contact", "email")
    ]
    not_an_object = await stack.http.post(
        f"/customers/{stack.customer_id}/contact-change-requests",
        json=["changes"],
        headers=stack.auth("Derek"),
    )
    assert not_an_object.status_code == 422
    not_json = await stack.http.post(
        f"/customers/{stack.customer_id}/contact-change-requests",
        content=b"{not json",
        headers={**stack.auth("Derek"), "Content-Type": "application/json"},
    )
    assert not_json.status_code == 422
    await nothing_filed(stack)


async def test_who_may_not_file_learns_nothing_of_the_rules(stack: Stack) -> None:
    assert (await file(stack, issue_example(stack), who="Timothy")).status_code == 403
    assert (await file(stack, issue_example(stack), who="Olive")).status_code == 404
    anonymous = await stack.http.post(
        f"/customers/{stack.customer_id}/contact-change-requests", json=issue_example(stack)
    )
    assert anonymous.status_code == 401
    await nothing_filed(stack)


async def test_an_open_change_of_the_kind_is_answered_before_the_rules(stack: Stack) -> None:
    first = {"changes": [{"op": "add", "contact": ANNABELLE, "roles": ["agreement"]}]}
    assert (await file(stack, first)).status_code == 201
    response = await file(stack, issue_example(stack))
    assert response.status_code == 409, response.text
    assert "already" in response.json()["detail"]
