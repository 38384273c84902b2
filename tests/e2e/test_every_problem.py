"""Every problem at once through the JSON API on the real stack: a batch the schema refuses
still has the rules checked on what of it can be read, in one 422, for a caller who may
file it; nothing is stored or sent."""

import asyncio
from typing import Any

from tests.conftest import Stack
from tests.e2e.profile import request_rows
from tests.e2e.purchaser import FORM, PAULA, PERCY, assign_purchaser, file_addition
from tests.e2e.test_contact_change import ANNABELLE, contact_id, contacts, file
from tests.e2e.test_purchaser_removal import give_financial_to_teresa, removal
from tests.portal.test_purchaser_removal import email_of

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
    # A problem about one role names it as the API spells it, for clients to read.
    assert [p.get("role") for p in response.json()["detail"]] == [None, None, "management"]
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


def derek_approves(stack: Stack) -> dict[str, str]:
    """Derek, the requester, named as an approver (``+tag`` aside, the same person)."""
    local, domain = email_of(stack, "Derek").split("@")
    return {"name": "Derek Emonstration", "email": f"{local}+sign@{domain}"}


async def test_a_purchaser_addition_answers_every_problem_at_once(stack: Stack) -> None:
    """The issue's example: a malformed contact email, the responsibility's role held by no
    contact, and the requester as the customer's approver."""
    form = FORM | {
        "contacts": [PAULA | {"email": "paula.payer@", "roles": ["purchaser"]}],
        "approvers": {"customer": derek_approves(stack), "purchaser": PERCY},
    }
    response = await file_addition(stack, form)
    assert response.status_code == 422, response.text
    assert [(p["loc"], p["type"]) for p in response.json()["detail"]] == [
        (["body", "contacts", 0, "email"], "value_error"),
        (["body", "contacts"], "responsibility_unheld"),
        (["body", "approvers", "customer", "email"], "requester_approves"),
    ]
    found = problems(response)
    assert found[1][1] == "no purchaser contact holds Financial, which its responsibility needs"
    assert found[2][1] == "the requester may not approve their own request"
    await nothing_filed(stack)


async def test_a_purchaser_addition_read_past_an_unknown_responsibility(stack: Stack) -> None:
    """Without a responsibility the roles cannot be weighed; the emails and the approvers
    still can."""
    form = FORM | {
        "responsibility": "everything",
        "contacts": [PAULA | {"email": email_of(stack, "Teresa")}, PAULA | {"phone": "call me"}],
        "approvers": {"customer": PERCY, "purchaser": PERCY | {"name": ""}},
    }
    response = await file_addition(stack, form)
    assert response.status_code == 422, response.text
    assert [(tuple(p["loc"]), p["type"]) for p in response.json()["detail"]] == [
        (("body", "responsibility"), "enum"),
        (("body", "contacts", 1, "phone"), "string_pattern_mismatch"),
        (("body", "approvers", "purchaser", "name"), "string_too_short"),
        (("body", "contacts", 0, "email"), "email_in_use"),
        (("body", "approvers", "purchaser", "email"), "same_approver"),
    ]
    await nothing_filed(stack)


async def test_a_purchaser_removal_answers_every_problem_at_once(stack: Stack) -> None:
    await assign_purchaser(stack)
    paula = (await contacts(stack))["Paula"]["id"]
    form = {
        "role_assignments": [
            {"contact_id": "teresa", "roles": ["financial"]},
            {"contact_id": paula, "roles": ["financial"]},
            {"contact_id": contact_id(stack, "Timothy"), "roles": ["purchaser"]},
        ],
        "approver": derek_approves(stack) | {"name": ""},
    }
    response = await removal(stack, form)
    assert response.status_code == 422, response.text
    assert [(tuple(p["loc"]), p["type"]) for p in response.json()["detail"]] == [
        (("body", "role_assignments", 0, "contact_id"), "uuid_parsing"),
        (("body", "approver", "name"), "string_too_short"),
        (("body", "role_assignments", 1, "contact_id"), "not_customer_contact"),
        (("body", "role_assignments", 2, "roles"), "role_exclusivity"),
        (("body", "role_assignments"), "required_role_unheld"),
        (("body", "approver", "email"), "requester_approves"),
    ]
    # Only the addition that brought the purchaser is stored; nothing is sent for another.
    assert await request_rows(stack) == 1
    await asyncio.sleep(0.2)
    # The emails since are the addition's being implemented, all of its one ticket.
    tickets = {m.subject.split("]", 1)[0] for m in stack.mail.messages}
    assert len(tickets) <= 1, [m.subject for m in stack.mail.messages]


async def test_a_purchaser_request_refused_as_a_whole_before_its_rules(stack: Stack) -> None:
    """Who may not file learns nothing of the rules; nor does one who cannot file that kind
    now: without a purchaser there is none to remove, with one none to add."""
    addition = FORM | {"contacts": [PAULA | {"email": "paula.payer@", "roles": ["purchaser"]}]}
    removal_form = {"role_assignments": [], "approver": derek_approves(stack) | {"name": ""}}
    assert (await file_addition(stack, addition, who="Timothy")).status_code == 403
    assert (await file_addition(stack, addition, who="Olive")).status_code == 404
    assert (await removal(stack, removal_form, who="Teresa")).status_code == 403
    unheld = await removal(stack, removal_form)
    assert unheld.status_code == 409, unheld.text
    assert "no purchaser" in unheld.json()["detail"]
    await nothing_filed(stack)

    await assign_purchaser(stack)
    again = await file_addition(stack, addition)
    assert again.status_code == 409, again.text
    assert "already assigned" in again.json()["detail"]
    filed = await removal(stack, give_financial_to_teresa(stack))
    assert filed.status_code == 201, filed.text
    open_one = await removal(stack, removal_form)
    assert open_one.status_code == 409, open_one.text
    assert "already exists" in open_one.json()["detail"]
