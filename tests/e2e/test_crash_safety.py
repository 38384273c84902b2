"""Every side effect survives a retry: each activity fails once right after its effect."""

from collections.abc import Sequence
from typing import Any

import pytest
from sqlmodel import col, select
from temporalio import activity
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

from models.audit import AuditEvent
from models.contact import Contact
from models.email_log import EmailLog
from models.link import LinkToken
from tests.conftest import PUBLIC_URL, Stack
from tests.e2e.profile import count, customer_row, emails_for, submitted, tickets_for
from tests.e2e.test_contact_change import ANNABELLE, filed, worked_example
from tests.e2e.test_new_customer import addressed_to, new_customer

ATTEMPTS: list[tuple[str, int]] = []


class _FailOnceAfterEffect(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        result = await self.next.execute_activity(input)
        info = activity.info()
        ATTEMPTS.append((info.activity_type, info.attempt))
        if info.attempt == 1:
            raise RuntimeError(f"simulated crash after {info.activity_type} did its work")
        return result


class FailOnceAfterEffect(Interceptor):
    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _FailOnceAfterEffect(next)


@pytest.fixture
def worker_interceptors() -> Sequence[Interceptor]:
    ATTEMPTS.clear()
    return (FailOnceAfterEffect(),)


async def test_retried_activities_leave_one_ticket_one_email_and_one_change(stack: Stack) -> None:
    request = await submitted(stack)
    received = await stack.wait_for_mail(lambda m: "received" in m.subject)

    response = await stack.http.post(
        f"/requests/{request['id']}/implement", headers=stack.auth("Sam")
    )
    assert response.status_code == 200, response.text
    implemented = await stack.wait_for_mail(lambda m: "implemented" in m.subject)
    await stack.wait_for_request(request["id"], lambda r: r["status"] == "implemented")

    await stack.run_ended(request["id"])
    retried = {name for name, attempt in ATTEMPTS if attempt == 2}
    assert retried >= {"raise_ticket", "send_email", "apply_profile_change"}
    assert await tickets_for(stack, request["id"]) == 1
    assert await emails_for(stack, request["id"]) == 3  # and one to the service team
    derek = [m.subject for m in stack.mail.messages if m.recipients == received.recipients]
    assert derek == [received.subject, implemented.subject]
    assert len(stack.mail.messages) == 3
    assert await count(stack, AuditEvent, AuditEvent.action == "implemented") == 1
    assert await count(stack, AuditEvent, AuditEvent.action == "ticket_raised") == 1
    assert (await customer_row(stack)).legal_city == "Leeds"


async def test_an_address_that_cannot_form_a_header_is_skipped_not_retried(stack: Stack) -> None:
    """Stored data the email library refuses must not keep an activity retrying for ever."""
    async with stack.sessions() as session:
        contact = (await session.exec(select(Contact).where(Contact.first_name == "Derek"))).one()
        contact.first_name = "Derek\r\nBcc: everyone@example.com"
        session.add(contact)
        await session.commit()
    request = await submitted(stack)
    response = await stack.http.post(
        f"/requests/{request['id']}/implement", headers=stack.auth("Sam")
    )
    assert response.status_code == 200, response.text
    await stack.run_ended(request["id"])
    # Each email once, even though this module's worker retries every activity once.
    async with stack.sessions() as session:
        skipped = (
            await session.exec(
                select(AuditEvent.detail).where(AuditEvent.action == "email_undeliverable")
            )
        ).all()
        failures = (await session.exec(select(EmailLog.failure))).all()
    assert [detail["event"] for detail in skipped] == ["request_received", "request_implemented"]
    refused = [failure for failure in failures if failure is not None]
    assert len(refused) == 2 and all("CR or LF" in failure for failure in refused)
    # Only the service team's email about the filing, which names no one, went out.
    assert [m.recipients for m in stack.mail.messages] == [("service-team@localhost",)]


async def test_retried_contact_change_applies_once_and_welcomes_once(stack: Stack) -> None:
    request = await filed(stack, worked_example(stack))
    response = await stack.http.post(
        f"/requests/{request['id']}/implement", headers=stack.auth("Sam")
    )
    assert response.status_code == 200, response.text
    await stack.wait_for_mail(lambda m: "Welcome" in m.subject)
    await stack.wait_for_mail(lambda m: "implemented" in m.subject)

    assert ("apply_contact_change", 2) in ATTEMPTS
    assert await count(stack, Contact, Contact.email == ANNABELLE["email"]) == 1
    assert [m.subject for m in stack.mail.messages].count(
        "Welcome to Signoff: activate your account for Example Energy plc"
    ) == 1
    assert await count(stack, AuditEvent, AuditEvent.action == "implemented") == 1
    async with stack.sessions() as session:
        links = (await session.exec(select(LinkToken))).all()
    assert len(links) == 1, "one activation link, and the emailed one works"
    welcome = next(m for m in stack.mail.messages if "Welcome" in m.subject)
    path = next(url for url in welcome.links if "/activate/" in url).removeprefix(PUBLIC_URL)
    assert (await stack.http.post(path, headers={"Accept": "application/json"})).status_code == 200


async def test_retried_return_to_the_service_team_writes_one_reason(stack: Stack) -> None:
    new_person = {"changes": [{"op": "add", "contact": ANNABELLE, "roles": ["technical"]}]}
    ours = await filed(stack, new_person)
    theirs = await filed(stack, new_person, who="Olive", customer=1)
    assert (
        await stack.http.post(f"/requests/{theirs['id']}/implement", headers=stack.auth("Sam"))
    ).status_code == 200
    returned = await stack.http.post(f"/requests/{ours['id']}/implement", headers=stack.auth("Sam"))
    assert returned.status_code == 409, returned.text
    await stack.wait_for_mail(lambda m: "needs another look" in m.subject)

    ticket = (
        await stack.http.get(f"/tickets/{ours['ticket_number']}", headers=stack.auth("Derek"))
    ).json()
    assert [c["kind"] for c in ticket["comments"]] == ["system"]
    assert [m.subject for m in stack.mail.messages].count(
        f"[{ours['ticket_number']}] Your contact change request needs another look"
    ) == 1


async def test_a_new_customers_welcomes_go_once_through_retries(stack: Stack) -> None:
    created = await stack.http.post("/customers", json=new_customer(), headers=stack.auth("Sam"))
    assert created.status_code == 201, created.text
    emails = [contact["email"] for contact in new_customer()["contacts"]]
    for email in emails:
        await stack.wait_for_mail(addressed_to(email))
    for email in emails:
        handle = stack.temporal.get_workflow_handle(f"welcome-{await contact_id_of(stack, email)}")
        await handle.result()
    assert {name for name, attempt in ATTEMPTS if attempt == 2} >= {"send_welcome"}
    for email in emails:
        assert len([m for m in stack.mail.messages if m.recipients == (email,)]) == 1
    async with stack.sessions() as session:
        welcomes = (
            await session.exec(select(EmailLog).where(col(EmailLog.key).like("welcome-%")))
        ).all()
    assert len(welcomes) == len(emails)


async def contact_id_of(stack: Stack, email: str) -> str:
    async with stack.sessions() as session:
        contact = (await session.exec(select(Contact).where(Contact.email == email))).one()
    return str(contact.id)
