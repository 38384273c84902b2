"""A new customer with its first contacts, through the JSON API on the real stack: refused
with every problem at once and nothing stored; created, each contact welcomed once and able
to activate; the audit trail names the member who created it."""

import uuid
from collections.abc import Callable
from typing import Any

from sqlmodel import col, func, select

from devstack.outbox import CapturedMessage
from models.audit import AuditEvent
from models.contact import Contact
from models.customer import Customer
from models.email_log import EmailLog
from tests.conftest import PUBLIC_URL, Stack

ADDRESS = {"street": "2 Quay Street", "city": "Bristol", "postal_code": "BS1 4DJ", "country": "GB"}


def new_customer(**changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "name": "Harbour Lights Ltd",
        "reference": "ACC-1001",
        "address": ADDRESS,
        "contacts": [
            {
                "salutation": "Ms",
                "first_name": "Hannah",
                "last_name": "Arbour",
                "email": "hannah.arbour@harbour.example.com",
                "roles": ["management", "cust_admin"],
            },
            {
                "first_name": "Felix",
                "last_name": "Inance",
                "email": "felix.inance@harbour.example.com",
                "phone": "+44 117 496 0101",
                "roles": ["financial", "agreement"],
            },
        ],
    }
    form.update(changes)
    return form


def addressed_to(email: str) -> Callable[[CapturedMessage], bool]:
    return lambda message: message.recipients == (email,)


async def customers_count(stack: Stack) -> int:
    async with stack.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Customer)) or 0)


async def test_created_customer_welcomes_each_contact_once(stack: Stack) -> None:
    created = await stack.http.post("/customers", json=new_customer(), headers=stack.auth("Sam"))
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["legal"]["name"] == "Harbour Lights Ltd"
    assert body["payment"] == body["legal"]
    assert body["reference"] == "ACC-1001"
    customer_id = body["id"]

    for email in ("hannah.arbour@harbour.example.com", "felix.inance@harbour.example.com"):
        welcome = await stack.wait_for_mail(addressed_to(email))
        assert "Harbour Lights Ltd" in welcome.subject
        link = next(url for url in welcome.links if url.startswith(f"{PUBLIC_URL}/activate/"))
        activated = await stack.http.post(
            link.removeprefix(PUBLIC_URL), headers={"Accept": "application/json"}
        )
        assert activated.status_code == 200, activated.text
        token = activated.json()["token"]
        mine = await stack.http.get(
            f"/customers/{customer_id}", headers={"Authorization": f"Bearer {token}"}
        )
        assert mine.status_code == 200

    found = await stack.http.get("/customers?query=acc-1001", headers=stack.auth("Sam"))
    assert [c["id"] for c in found.json()] == [customer_id]
    async with stack.sessions() as session:
        welcomes = await session.scalar(
            select(func.count()).select_from(EmailLog).where(col(EmailLog.key).like("welcome-%"))
        )
        created_event = (
            await session.exec(
                select(AuditEvent).where(
                    col(AuditEvent.customer_id) == uuid.UUID(body["id"]),
                    AuditEvent.action == "customer_created",
                )
            )
        ).one()
    assert welcomes == 2
    assert created_event.actor == f"staff:{stack.demo['staff'][0]['id']}"


async def test_every_problem_at_once_and_nothing_stored(stack: Stack) -> None:
    before = await customers_count(stack)
    taken = "derek.emonstration@energy.example.com"
    form = new_customer(
        contacts=[
            {"first_name": "A", "last_name": "B", "email": taken, "roles": ["management"]},
            {"first_name": "C", "last_name": "D", "email": "not-an-email", "roles": ["technical"]},
            {
                "first_name": "E",
                "last_name": "F",
                "email": "sam.service@signoff.example.com",
                "roles": ["financial"],
            },
        ]
    )
    refused = await stack.http.post("/customers", json=form, headers=stack.auth("Sam"))
    assert refused.status_code == 422, refused.text
    problems = {(tuple(p["loc"]), p["type"]) for p in refused.json()["detail"]}
    assert (("body", "contacts", 1, "email"), "value_error") in problems
    async with stack.sessions() as session:
        assert (
            await session.scalar(
                select(func.count()).select_from(Contact).where(col(Contact.email) == "c@d.example")
            )
            == 0
        )
    assert await customers_count(stack) == before


async def test_rules_of_a_contact_change(stack: Stack) -> None:
    before = await customers_count(stack)
    taken = "derek.emonstration@energy.example.com"
    form = new_customer(
        reference="ACC-2",
        contacts=[
            {"first_name": "A", "last_name": "B", "email": taken, "roles": ["management"]},
            {
                "first_name": "E",
                "last_name": "F",
                "email": "sam.service@signoff.example.com",
                "roles": ["financial"],
            },
        ],
    )
    refused = await stack.http.post("/customers", json=form, headers=stack.auth("Sam"))
    assert refused.status_code == 422, refused.text
    problems = {(tuple(p["loc"]), p["type"]) for p in refused.json()["detail"]}
    assert problems >= {
        (("body", "contacts", 0, "email"), "email_in_use"),
        (("body", "contacts", 1, "email"), "email_in_use"),
        (("body", "contacts"), "required_role_unheld"),
    }
    assert await customers_count(stack) == before


async def test_only_the_team_creates_customers(stack: Stack) -> None:
    refused = await stack.http.post("/customers", json=new_customer(), headers=stack.auth("Derek"))
    assert refused.status_code == 403


async def test_schema_and_rules_refuse_at_once(stack: Stack) -> None:
    """A bad email (the schema's) and a required role unheld and an email in use (the
    rules'), all in one answer."""
    before = await customers_count(stack)
    form = new_customer(
        contacts=[
            {"first_name": "A", "last_name": "B", "email": "not-an-email", "roles": ["management"]},
            {
                "first_name": "C",
                "last_name": "D",
                "email": "derek.emonstration@energy.example.com",
                "roles": ["technical", "no_such_role"],
            },
        ]
    )
    refused = await stack.http.post("/customers", json=form, headers=stack.auth("Sam"))
    assert refused.status_code == 422, refused.text
    problems = {(tuple(p["loc"]), p["type"]) for p in refused.json()["detail"]}
    assert (("body", "contacts", 0, "email"), "value_error") in problems
    assert (("body", "contacts", 1, "email"), "email_in_use") in problems
    assert (("body", "contacts", 1, "roles", 1), "enum") in problems
    assert (("body", "contacts"), "required_role_unheld") in problems
    assert await customers_count(stack) == before
    # A caller who may not create customers learns nothing of the rules.
    theirs = await stack.http.post("/customers", json=form, headers=stack.auth("Derek"))
    assert theirs.status_code == 403


async def test_no_contacts_and_a_reference_in_use(stack: Stack) -> None:
    first = await stack.http.post("/customers", json=new_customer(), headers=stack.auth("Sam"))
    assert first.status_code == 201, first.text
    again = await stack.http.post(
        "/customers",
        json=new_customer(reference="acc-1001", contacts=[]),
        headers=stack.auth("Sam"),
    )
    assert again.status_code == 422, again.text
    problems = {(tuple(p["loc"]), p["type"]) for p in again.json()["detail"]}
    assert problems == {
        (("body", "contacts"), "too_short"),
        (("body", "reference"), "reference_in_use"),
    }
