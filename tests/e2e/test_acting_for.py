"""The service team files a request for a customer, through the JSON API on the real stack:
with a reason, its Management and Cust Admin told with that reason, approvals as ever, and
implemented by another member of the team (four eyes)."""

from sqlmodel import col, update

from models.enums import UserState
from models.user import User
from tests.conftest import Stack
from tests.e2e.test_contact_change import TIMOTHY_TRACES, contact_id
from tests.erasure import assert_erased

REASON = "Derek phoned: Timothy has left, and asked us to make the change."


def remove_timothy(stack: Stack, **extra: object) -> dict[str, object]:
    return {"changes": [{"op": "remove", "contact_id": contact_id(stack, "Timothy")}], **extra}


async def test_team_files_for_customer_and_another_member_implements(stack: Stack) -> None:
    path = f"/customers/{stack.customer_id}/contact-change-requests"
    filed = await stack.http.post(
        path, json=remove_timothy(stack, on_behalf_reason=REASON), headers=stack.auth("Sam")
    )
    assert filed.status_code == 201, filed.text
    request_id = filed.json()["id"]
    assert "on_behalf_reason" not in (filed.json()["requested"] or {})

    told = await stack.wait_for_mail(
        lambda m: (
            m.recipients == ("derek.emonstration@energy.example.com",)
            and "filed a contact change request" in m.subject
        )
    )
    assert REASON in (told.text or "")
    assert f"/portal/requests/{request_id}" in (told.text or "")

    await stack.wait_for_request(request_id, lambda r: r["ticket_number"] is not None)
    mine = await stack.http.post(f"/requests/{request_id}/implement", headers=stack.auth("Sam"))
    assert mine.status_code == 403, mine.text
    assert "another member of the team" in mine.json()["detail"]

    theirs = await stack.http.post(f"/requests/{request_id}/implement", headers=stack.auth("Alice"))
    assert theirs.status_code in (200, 202), theirs.text
    done = await stack.wait_for_request(request_id, lambda r: r["status"] == "implemented")
    assert done["status"] == "implemented"


async def test_alone_in_the_team_the_member_implements_their_own(stack: Stack) -> None:
    async with stack.sessions() as session:
        await session.exec(
            update(User)
            .where(col(User.email) == "alice.agent@signoff.example.com")
            .values(state=UserState.ARCHIVED)
        )
        await session.commit()
    path = f"/customers/{stack.customer_id}/contact-change-requests"
    filed = await stack.http.post(
        path, json=remove_timothy(stack, on_behalf_reason=REASON), headers=stack.auth("Sam")
    )
    assert filed.status_code == 201, filed.text
    request_id = filed.json()["id"]
    await stack.wait_for_request(request_id, lambda r: r["ticket_number"] is not None)
    implemented = await stack.http.post(
        f"/requests/{request_id}/implement", headers=stack.auth("Sam")
    )
    assert implemented.status_code in (200, 202), implemented.text


async def test_the_team_says_why_and_only_the_team_does(stack: Stack) -> None:
    path = f"/customers/{stack.customer_id}/contact-change-requests"
    without = await stack.http.post(path, json=remove_timothy(stack), headers=stack.auth("Sam"))
    assert without.status_code == 422, without.text
    assert [p["type"] for p in without.json()["detail"]] == ["reason_missing"]

    blank = await stack.http.post(
        path, json=remove_timothy(stack, on_behalf_reason="  "), headers=stack.auth("Sam")
    )
    assert blank.status_code == 422
    assert blank.json()["detail"][0]["loc"] == ["body", "on_behalf_reason"]

    by_contact = await stack.http.post(
        path, json=remove_timothy(stack, on_behalf_reason=REASON), headers=stack.auth("Derek")
    )
    assert by_contact.status_code == 422
    assert [p["type"] for p in by_contact.json()["detail"]] == ["reason_not_expected"]


async def test_the_reason_forgets_a_person_erased(stack: Stack) -> None:
    """The team's reason names Timothy, whom the change removes: once he is erased, the
    reason no longer holds who he was."""
    reason = "Timothy Ester (timothy.ester@energy.example.com) has left, Derek phoned."
    path = f"/customers/{stack.customer_id}/contact-change-requests"
    filed = await stack.http.post(
        path, json=remove_timothy(stack, on_behalf_reason=reason), headers=stack.auth("Sam")
    )
    assert filed.status_code == 201, filed.text
    request_id = filed.json()["id"]
    await stack.wait_for_request(request_id, lambda r: r["ticket_number"] is not None)
    done = await stack.http.post(f"/requests/{request_id}/implement", headers=stack.auth("Alice"))
    assert done.status_code in (200, 202), done.text
    await stack.run_ended(request_id)
    await assert_erased(stack.sessions, *TIMOTHY_TRACES)


async def test_the_member_who_files_cannot_approve_it(stack: Stack) -> None:
    """Separation of duties holds for the team as for a contact: Sam cannot name himself
    (in any case, with a +tag) as an approver of what he files."""
    form = {
        "purchaser": {
            "name": "Purchase Partners Ltd",
            "address": {
                "street": "9 Ledger Lane",
                "city": "London",
                "postal_code": "EC1A 1BB",
                "country": "GB",
            },
        },
        "responsibility": "financial",
        "contacts": [
            {
                "first_name": "Paula",
                "last_name": "Payer",
                "email": "paula.payer@partners.example.com",
                "roles": ["financial", "purchaser"],
            }
        ],
        "approvers": {
            "customer": {"name": "Olive Ther", "email": "olive.ther@northwind.example.com"},
            "purchaser": {"name": "Sam At Home", "email": "Sam.Service+home@signoff.example.com"},
        },
        "on_behalf_reason": REASON,
    }
    refused = await stack.http.post(
        f"/customers/{stack.other_customer_id}/purchaser-addition-requests",
        json=form,
        headers=stack.auth("Sam"),
    )
    assert refused.status_code == 422, refused.text
    assert ["body", "approvers", "purchaser", "email"] in [
        problem["loc"] for problem in refused.json()["detail"]
    ]
