"""Ticket visibility between a customer and its purchaser, before, during and after it;
purchaser removal with role reassignment; role exclusivity on every path."""

from typing import Any

from tests.conftest import Stack
from tests.e2e.purchaser import PAULA, URSULA, approval_path, assign_purchaser, decide
from tests.e2e.test_contact_change import contact_id, contacts, file
from tests.erasure import assert_erased

PAULA_TRACES = ("Paula", "Payer", PAULA["email"], PAULA["phone"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def raise_ticket(stack: Stack, headers: dict[str, str], subject: str, shared: bool) -> str:
    response = await stack.http.post(
        "/tickets",
        json={"subject": subject, "body": f"About {subject}.", "shared": shared},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["number"])


async def seen(stack: Stack, headers: dict[str, str]) -> set[str]:
    response = await stack.http.get("/tickets", headers=headers)
    assert response.status_code == 200, response.text
    return {ticket["subject"] for ticket in response.json()}


async def removal(stack: Stack, form: dict[str, Any], who: str = "Derek") -> Any:
    return await stack.http.post(
        f"/customers/{stack.customer_id}/purchaser-removal-requests",
        json=form,
        headers=stack.auth(who),
    )


def give_financial_to_teresa(stack: Stack) -> dict[str, Any]:
    return {
        "role_assignments": [{"contact_id": contact_id(stack, "Teresa"), "roles": ["financial"]}],
        "approver": URSULA,
    }


async def test_visibility_before_during_and_after_a_purchaser_and_its_removal(stack: Stack) -> None:
    derek, sam = stack.auth("Derek"), stack.auth("Sam")
    before = await raise_ticket(stack, derek, "before", shared=False)
    nobody = await stack.http.post(
        "/tickets", json={"subject": "x", "body": "y", "shared": True}, headers=derek
    )
    assert nobody.status_code == 422, "no one to share with yet"

    paula = bearer(await assign_purchaser(stack))
    ours = await raise_ticket(stack, derek, "customer only", shared=False)
    ours_shared = await raise_ticket(stack, derek, "customer shared", shared=True)
    theirs = await raise_ticket(stack, paula, "purchaser only", shared=False)
    theirs_shared = await raise_ticket(stack, paula, "purchaser shared", shared=True)
    raised = {"before", "customer only", "customer shared", "purchaser only", "purchaser shared"}

    assert (await seen(stack, derek)) & raised == {
        "before",
        "customer only",
        "customer shared",
        "purchaser shared",
    }
    assert await seen(stack, paula) == {"customer shared", "purchaser only", "purchaser shared"}
    assert (await seen(stack, sam)) >= raised
    for number in (before, ours):
        assert (await stack.http.get(f"/tickets/{number}", headers=paula)).status_code == 404
    assert (await stack.http.get(f"/tickets/{theirs}", headers=derek)).status_code == 404
    shared = (await stack.http.get(f"/tickets/{theirs_shared}", headers=derek)).json()
    assert shared["visible_to"] == ["customer", "purchaser"] and shared["side"] == "purchaser"

    comment = {"body": "Noted."}
    assert (
        await stack.http.post(f"/tickets/{ours_shared}/comments", json=comment, headers=paula)
    ).status_code == 201
    assert (
        await stack.http.post(f"/tickets/{ours}/comments", json=comment, headers=paula)
    ).status_code == 404
    assert (
        await stack.http.post(f"/tickets/{theirs_shared}/comments", json=comment, headers=derek)
    ).status_code == 201
    assert (
        await stack.http.post(f"/tickets/{theirs}/comments", json=comment, headers=derek)
    ).status_code == 404
    await stack.http.post(
        f"/tickets/{theirs}/comments", json={"body": "Paula Payer, +44 20 7946 0001"}, headers=paula
    )

    # The customer's requests are the customer side's business too.
    customer = (await stack.http.get(f"/customers/{stack.customer_id}", headers=paula)).json()
    assert (
        customer["purchaser"]["name"] == "Purchase Partners Ltd" and customer["open_requests"] == []
    )
    filed = await removal(stack, give_financial_to_teresa(stack))
    assert filed.status_code == 201, filed.text
    request = filed.json()
    assert (await stack.http.get(f"/requests/{request['id']}", headers=paula)).status_code == 404

    approval = await stack.wait_for_mail(
        lambda m: m.recipients == (URSULA["email"],) and "approval" in m.subject
    )
    assert "remove Purchase Partners Ltd" in approval.subject
    page = await stack.http.get(approval_path(approval))
    assert "Teresa Echie: financial" in page.text
    assert (await decide(stack, approval_path(approval), "approve")).status_code == 200
    await stack.wait_for_request(request["id"], lambda r: r["status"] == "in_review")
    done = await stack.http.post(f"/requests/{request['id']}/implement", headers=sam)
    assert done.status_code == 200, done.text
    await stack.wait_for_mail(
        lambda m: (
            "implemented" in m.subject
            and m.recipients == ("derek.emonstration@energy.example.com",)
        )
    )
    await stack.wait_for_mail(
        lambda m: "implemented" in m.subject and m.recipients == (URSULA["email"],)
    )

    # After: the purchaser's unshared ticket stays hidden; its contacts are gone entirely.
    assert (await seen(stack, derek)) & raised == {
        "before",
        "customer only",
        "customer shared",
        "purchaser shared",
    }
    assert (await stack.http.get(f"/tickets/{theirs}", headers=derek)).status_code == 404
    assert (await stack.http.get("/tickets", headers=paula)).status_code == 401
    now = await contacts(stack)
    assert "Paula" not in now and now["Teresa"]["roles"] == ["financial"]
    customer = (await stack.http.get(f"/customers/{stack.customer_id}", headers=derek)).json()
    assert customer["purchaser"] is None
    await assert_erased(stack.sessions, *PAULA_TRACES)


async def test_role_exclusivity_is_refused_on_every_path(stack: Stack) -> None:
    await assign_purchaser(stack)
    paula_id = next(c["id"] for c in (await contacts(stack)).values() if c["first_name"] == "Paula")
    cases = [
        {"op": "add_roles", "contact_id": contact_id(stack, "Derek"), "roles": ["financial"]},
        {"op": "add_roles", "contact_id": paula_id, "roles": ["technical"]},
        {
            "op": "add",
            "side": "purchaser",
            "contact": {
                "first_name": "Pat",
                "last_name": "Ron",
                "email": "pat@partners.example.com",
            },
            "roles": ["agreement"],
        },
        {
            "op": "add",
            "contact": {
                "first_name": "Cas",
                "last_name": "Tomer",
                "email": "cas@energy.example.com",
            },
            "roles": ["purchaser"],
        },
    ]
    for change in cases:
        response = await file(stack, {"changes": [change]})
        assert response.status_code == 422, response.text
        assert [p["type"] for p in response.json()["detail"]] == ["role_exclusivity"], change

    customer_side_ok = {
        "op": "add_roles",
        "contact_id": contact_id(stack, "Timothy"),
        "roles": ["security"],
    }
    assert (await file(stack, {"changes": [customer_side_ok]})).status_code == 201

    purchaser_role = {
        "role_assignments": [
            {"contact_id": contact_id(stack, "Teresa"), "roles": ["financial", "purchaser"]}
        ],
        "approver": URSULA,
    }
    to_paula = {
        "role_assignments": [{"contact_id": paula_id, "roles": ["financial"]}],
        "approver": URSULA,
    }
    unheld = {"role_assignments": [], "approver": URSULA}
    self_approved = {
        **give_financial_to_teresa(stack),
        "approver": {"name": "Derek", "email": "Derek.Emonstration+legal@energy.example.com"},
    }
    expected: dict[str, dict[str, Any]] = {
        "role_exclusivity": purchaser_role,
        "not_customer_contact": to_paula,
        "required_role_unheld": unheld,
        "requester_approves": self_approved,
    }
    for problem, form in expected.items():
        response = await removal(stack, form)
        assert response.status_code == 422, response.text
        assert problem in {p["type"] for p in response.json()["detail"]}
    assert (await removal(stack, give_financial_to_teresa(stack), who="Teresa")).status_code == 403


async def test_a_rejected_removal_keeps_the_purchaser_and_forgets_the_approver(
    stack: Stack,
) -> None:
    paula = bearer(await assign_purchaser(stack))
    approver = {"name": "Tim Approver", "email": "tim.approver@energy.example.com"}
    filed = await removal(stack, {**give_financial_to_teresa(stack), "approver": approver})
    assert filed.status_code == 201, filed.text
    link = await stack.wait_for_mail(lambda m: m.recipients == (approver["email"],))
    assert (await decide(stack, approval_path(link), "reject", "Not yet.")).status_code == 200
    closed = await stack.wait_for_request(filed.json()["id"], lambda r: r["status"] == "rejected")
    assert closed["requested"] is None
    await assert_erased(stack.sessions, "Tim Approver", approver["email"])
    assert (await stack.http.get("/tickets", headers=paula)).status_code == 200, (
        "still a purchaser contact"
    )


async def test_no_removal_without_a_purchaser(stack: Stack) -> None:
    response = await removal(stack, give_financial_to_teresa(stack))
    assert response.status_code == 409 and "no purchaser" in response.json()["detail"]
