"""PostgreSQL goes away while a request must write, and comes back.

The worker process and the API each reach the suite's database through a proxy the test
can cut. The worker loses it first, so that the service team's confirmation reaches a
workflow that cannot apply it; then the API loses it too. The API answers 503 (never 500),
the workflow keeps retrying its step, and once the database is back the change is applied
exactly once.
"""

import asyncio
import dataclasses
import json
import subprocess
import uuid
from collections.abc import AsyncIterator
from email.message import EmailMessage
from functools import partial
from types import SimpleNamespace

import httpx
import pytest
from sqlalchemy.engine import URL, make_url
from sqlmodel import col, select
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from temporalio.client import WorkflowExecutionStatus

from activities.smtp import SmtpMailer
from api.errors import DATABASE_DOWN
from api.idempotency import Idempotency
from api.main import create_app
from models.audit import AuditEvent
from models.database import create_db_engine, session_factory
from models.email_log import EmailLog
from models.enums import RequestStatus, UserState
from models.idempotency import IdempotentAnswer
from models.tokens import generate_token, hash_token
from models.user import ApiToken, User
from settings import Settings
from tests.conftest import Stack, serve, worker_process
from tests.e2e.profile import NEW_LEGAL, count, customer_row, request_rows, submitted, tickets_for
from tests.faults.processes import status_becomes, stop_process
from tests.tcp_proxy import TcpProxy
from worker import build_worker

DEREK = "derek.emonstration@energy.example.com"
# The step's retries back off 1, 2, 4, 8, 16 s: the outage below ends between the 5th and
# the 6th attempt, about 31 s after the first.
BACK_WITHIN_SECONDS = 50.0


@dataclasses.dataclass
class CutOff:
    """The test's stack with a worker process and an API, each behind its own proxy."""

    stack: Stack
    worker: subprocess.Popen[bytes]
    worker_link: TcpProxy
    api_link: TcpProxy


@pytest.fixture
def in_process_worker() -> bool:
    return False


@pytest.fixture
def postgresql(database_url: str) -> URL:
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("a database outage means PostgreSQL stopping: run with a PostgreSQL URL")
    return url


def _through(postgresql: URL, proxy: TcpProxy) -> str:
    """The suite's own database, reached through the proxy."""
    proxied = postgresql.set(host="127.0.0.1", port=proxy.port)
    return proxied.render_as_string(hide_password=False)


@pytest.fixture
async def cut_off(postgresql: URL, stack: Stack) -> AsyncIterator[CutOff]:
    target = (postgresql.host or "127.0.0.1", postgresql.port or 5432)
    worker_link, api_link = TcpProxy(*target), TcpProxy(*target)
    worker: subprocess.Popen[bytes] | None = None
    through = partial(_through, postgresql)
    try:
        for proxy in (worker_link, api_link):
            await proxy.start()
        settings = stack.settings.model_copy(update={"worker_metrics_address": ""})
        worker = worker_process(settings.model_copy(update={"database_url": through(worker_link)}))
        api_settings = settings.model_copy(update={"database_url": through(api_link)})
        async with serve(create_app(api_settings)) as http:
            yield CutOff(dataclasses.replace(stack, http=http), worker, worker_link, api_link)
    finally:
        if worker is not None:
            await stop_process(worker)
        for proxy in (worker_link, api_link):
            await proxy.stop()


async def while_down(stack: Stack, request_id: str) -> None:
    """Reads and writes all answer 503 with the reason, never 500."""
    other = f"/customers/{stack.other_customer_id}/profile-change-requests"
    filing = {"legal": NEW_LEGAL}
    answers: dict[str, httpx.Response] = {
        "read a request": await stack.http.get(
            f"/requests/{request_id}", headers=stack.auth("Sam")
        ),
        "read a customer": await stack.http.get(
            f"/customers/{stack.customer_id}", headers=stack.auth("Derek")
        ),
        "file a request": await stack.http.post(other, json=filing, headers=stack.auth("Olive")),
        "file with an idempotency key": await stack.http.post(
            other, json=filing, headers={**stack.auth("Olive"), "Idempotency-Key": "outage-1"}
        ),
        "implement": await stack.http.post(
            f"/requests/{request_id}/implement", headers=stack.auth("Sam")
        ),
        "raise a ticket": await stack.http.post(
            "/tickets",
            json={"subject": "Down?", "body": "Is it down?", "shared": False},
            headers=stack.auth("Derek"),
        ),
        "open an emailed link": await stack.http.get("/approvals/a-token-from-an-email"),
    }
    unclear = {
        what: (response.status_code, response.text)
        for what, response in answers.items()
        if not _says_database_down(response)
    }
    assert unclear == {}
    ready = await stack.http.get("/readyz")
    assert ready.status_code == 503 and ready.json()["detail"] == "unavailable: database"


def _says_database_down(response: httpx.Response) -> bool:
    is_json = response.headers.get("content-type") == "application/json"
    return response.status_code == 503 and is_json and response.json() == {"detail": DATABASE_DOWN}


async def test_a_database_outage_delays_the_change_and_applies_it_once(cut_off: CutOff) -> None:
    stack = cut_off.stack
    request = await submitted(stack)
    await stack.wait_for_mail(lambda m: "received" in m.subject)
    legal_name = (await customer_row(stack)).legal_name
    rows = await request_rows(stack)

    await cut_off.worker_link.stop()
    # The API still reads and delivers the decision; the workflow cannot record it, so the
    # service team hears that it is accepted and still being applied.
    accepted = await stack.http.post(
        f"/requests/{request['id']}/implement", headers=stack.auth("Sam")
    )
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["status"] == "in_review"
    await cut_off.api_link.stop()
    await while_down(stack, request["id"])

    # Nothing half-applied, and the workflow waits on its step rather than failing. (A query
    # would wait behind the workflow task that holds the retrying step.)
    assert await request_rows(stack) == rows
    assert (await customer_row(stack)).legal_name == legal_name
    assert await implemented_events(stack, request["id"]) == 0
    handle = stack.temporal.get_workflow_handle(f"profile-change-{stack.customer_id}")
    assert (await handle.describe()).status is WorkflowExecutionStatus.RUNNING
    assert cut_off.worker.poll() is None

    await cut_off.worker_link.start()
    await cut_off.api_link.start()
    assert (await status_becomes(lambda: stack.http.get("/readyz"), 200)).status_code == 200
    ended = await stack.run_ended(request["id"], timeout=BACK_WITHIN_SECONDS)
    assert ended == RequestStatus.IMPLEMENTED
    assert await apply_attempt(stack) > 1, "the step was retried until the database was back"

    shown = (await stack.http.get(f"/requests/{request['id']}", headers=stack.auth("Sam"))).json()
    assert shown["status"] == "implemented"
    assert (await customer_row(stack)).legal_name == NEW_LEGAL["name"]
    assert await implemented_events(stack, request["id"]) == 1, "applied exactly once"
    assert await tickets_for(stack, request["id"]) == 1
    assert await request_rows(stack) == rows
    # Received and implemented to Derek, the filing to the service team, each once.
    sent = [(m.subject, m.recipients) for m in stack.mail.messages]
    assert len(sent) == len(set(sent)) == 3, f"each email exactly once: {sent}"
    assert {to for _, to in sent} == {(DEREK,), ("service-team@localhost",)}
    assert await count(stack, EmailLog) == 3
    again = await stack.http.post(f"/requests/{request['id']}/implement", headers=stack.auth("Sam"))
    assert again.status_code == 409


async def implemented_events(stack: Stack, request_id: str) -> int:
    return await count(
        stack,
        AuditEvent,
        col(AuditEvent.request_id) == uuid.UUID(request_id),
        col(AuditEvent.action) == "implemented",
    )


async def apply_attempt(stack: Stack) -> int:
    """The attempt that applied the change, as its local activity's marker records it."""
    handle = stack.temporal.get_workflow_handle(f"profile-change-{stack.customer_id}")
    for event in (await handle.fetch_history()).events:
        marker = event.marker_recorded_event_attributes
        if marker.marker_name == "core_local_activity":
            data = json.loads(marker.details["data"].payloads[0].data)
            if data["activity_type"] == "apply_profile_change":
                return int(data["attempt"])
    raise AssertionError("the change was never applied")


async def test_an_answer_whose_idempotency_key_cannot_be_kept_still_reaches_the_client(
    postgresql: URL,
) -> None:
    """The database goes between the route's answer and the keeping of it for the key."""
    token = await _a_callers_token(postgresql)
    link = TcpProxy(postgresql.host or "127.0.0.1", postgresql.port or 5432)
    await link.start()
    engine = create_db_engine(_through(postgresql, link))

    async def created(_request: Request) -> JSONResponse:
        await link.stop()
        return JSONResponse({"id": "created"}, status_code=201)

    app = Starlette(
        routes=[Route("/tickets", created, methods=["POST"])], middleware=[Middleware(Idempotency)]
    )
    app.state.signoff = SimpleNamespace(sessions=session_factory(engine), settings=Settings())
    key = f"kept-or-not-{uuid.uuid4()}"
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://signoff.test"
        ) as http:
            answer = await http.post(
                "/tickets",
                json={},
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
            )
    finally:
        await link.stop()
        await engine.dispose()
    assert answer.status_code == 201, answer.text
    assert answer.json() == {"id": "created"}
    direct = create_db_engine(postgresql.render_as_string(hide_password=False))
    try:
        async with session_factory(direct)() as session:
            claim = (
                await session.exec(select(IdempotentAnswer).where(IdempotentAnswer.key == key))
            ).one()
            assert claim.status_code is None, "left for a retry after ABANDONED_AFTER"
            await session.delete(claim)
            await session.commit()
    finally:
        await direct.dispose()


async def _a_callers_token(postgresql: URL) -> str:
    """A staff user's API token: keys are looked up only for an authenticated caller."""
    token = generate_token()
    direct = create_db_engine(postgresql.render_as_string(hide_password=False))
    try:
        async with session_factory(direct)() as session:
            user = User(is_staff=True, name="Kept", email=None, state=UserState.ACTIVE)
            session.add(user)
            await session.flush()
            session.add(ApiToken(user_id=user.id, token_hash=hash_token(token)))
            await session.commit()
    finally:
        await direct.dispose()
    return token


class CutAfterFirstEmail(SmtpMailer):
    """The database goes the moment the SMTP server has accepted the first email, before
    the worker can log it, and is back a moment later."""

    def __init__(self, settings: Settings, link: TcpProxy) -> None:
        super().__init__(settings.smtp_host, settings.smtp_port, settings.smtp_timeout_seconds)
        self._link = link
        self.sent = 0
        self._back: asyncio.Task[None] | None = None

    async def send(self, message: EmailMessage) -> None:
        await super().send(message)
        self.sent += 1
        if self._back is None:
            await self._link.stop()
            self._back = asyncio.create_task(self._come_back())

    async def _come_back(self) -> None:
        await asyncio.sleep(1.5)
        await self._link.start()


async def test_an_email_accepted_just_before_the_database_went_is_not_sent_again(
    postgresql: URL, stack: Stack
) -> None:
    link = TcpProxy(postgresql.host or "127.0.0.1", postgresql.port or 5432)
    await link.start()
    engine = create_db_engine(_through(postgresql, link))
    try:
        async with (
            CutAfterFirstEmail(stack.settings, link) as mailer,
            build_worker(stack.temporal, session_factory(engine), stack.settings, mailer),
        ):
            request = await submitted(stack)
            await stack.wait_for_mail(lambda m: "received" in m.subject)
            await until_logged(stack, request["id"])
            handle = stack.temporal.get_workflow_handle(f"profile-change-{stack.customer_id}")
            attempts = [
                event.activity_task_started_event_attributes.attempt
                for event in (await handle.fetch_history()).events
                if event.HasField("activity_task_started_event_attributes")
            ]
    finally:
        await link.stop()
        await engine.dispose()
    assert max(attempts) > 1, "the email's log was written on a retry"
    subjects = [m.subject for m in stack.mail.messages]
    assert mailer.sent == len(subjects) == len(set(subjects)), "none sent twice"
    received = f"[{request['ticket_number']}] Your profile change request was received"
    assert subjects[0] == received


async def until_logged(stack: Stack, request_id: str) -> None:
    """Until the request's first email is logged, once the database is back."""
    for _ in range(int(BACK_WITHIN_SECONDS / 0.2)):
        if await count(stack, EmailLog, col(EmailLog.request_id) == uuid.UUID(request_id)):
            return
        await asyncio.sleep(0.2)
    raise TimeoutError("the email was never logged")
