"""The Temporal server stops and starts again on its database file while requests wait.

One purchaser addition waits for its approvers and one profile change for the service team.
While the server is down the API says so (503, never 500) and changes nothing; the worker
process keeps retrying its polls. Once the server is back on the same file and port, both
requests go on from where they were and end with one ticket, each email once and the change
applied once.
"""

import asyncio
import dataclasses
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import col, select
from temporalio.service import RPCError

from api.errors import TEMPORAL_DOWN
from api.main import create_app
from models.audit import AuditEvent
from models.email_log import EmailLog
from models.payloads import RequestState
from models.purchaser import Purchaser
from models.ticket import Ticket, TicketComment
from tests.conftest import Stack, serve, worker_process
from tests.e2e.profile import NEW_LEGAL, count, customer_row, request_rows, submitted, tickets_for
from tests.e2e.purchaser import (
    PAULA,
    PERCY,
    PURCHASER,
    URSULA,
    approval_links,
    decide,
    filed_addition,
)
from tests.faults.processes import TemporalServer, eventually, status_becomes, stop_process
from workflows.request import RequestWorkflow

DEREK = "derek.emonstration@energy.example.com"
TERESA = "teresa.echie@energy.example.com"
SERVICE_TEAM = "service-team@localhost"
# The worker's polls back off while the server is down: its next one may come ~10 s later.
WORKER_BACK_SECONDS = 30.0


@dataclasses.dataclass
class OwnTemporal:
    """The test's stack pointed at a Temporal server of its own, with a worker process."""

    stack: Stack
    server: TemporalServer
    worker: subprocess.Popen[bytes]


@pytest.fixture
def in_process_worker() -> bool:
    return False


@pytest.fixture
async def own_temporal(stack: Stack, tmp_path: Path) -> AsyncIterator[OwnTemporal]:
    server = TemporalServer(tmp_path)
    await server.start()
    worker: subprocess.Popen[bytes] | None = None
    try:
        settings = stack.settings.model_copy(
            update={"temporal_address": server.address, "worker_metrics_address": ""}
        )
        worker = worker_process(settings)
        async with serve(create_app(settings)) as http:
            client = await server.client()
            mine = dataclasses.replace(stack, settings=settings, http=http, temporal=client)
            yield OwnTemporal(mine, server, worker)
    finally:
        if worker is not None:
            await stop_process(worker)
        await server.stop()


async def state_of(stack: Stack, workflow_id: str) -> RequestState | None:
    """The workflow's own account of itself, or None while no worker answers."""
    handle = stack.temporal.get_workflow_handle(workflow_id)
    try:
        async with asyncio.timeout(3):
            state: RequestState = await handle.query(RequestWorkflow.status)
            return state
    except (TimeoutError, RPCError):
        return None


async def while_down(stack: Stack, profile_id: str, links: dict[str, str]) -> None:
    """Every answer the API gives while Temporal is down: clear, and never a 500."""
    # Calls that need Temporal each wait out the client's retries (about 10 s): ask at once.
    filed, read, implemented, page, decided, decided_json, ready = await asyncio.gather(
        stack.http.post(
            f"/customers/{stack.other_customer_id}/profile-change-requests",
            json={"legal": NEW_LEGAL},
            headers=stack.auth("Olive"),
        ),
        stack.http.get(f"/requests/{profile_id}", headers=stack.auth("Derek")),
        stack.http.post(f"/requests/{profile_id}/implement", headers=stack.auth("Sam")),
        stack.http.get(links["customer"]),
        decide(stack, links["customer"], "approve"),
        stack.http.post(
            links["purchaser"], data={"decision": "approve"}, headers={"Accept": "application/json"}
        ),
        status_becomes(lambda: stack.http.get("/readyz"), 503),
    )
    # A comment, a ticket and an approver's question: each needs Temporal to be told, so
    # each is refused whole and nothing of it is kept.
    number = (await stack.http.get(f"/requests/{profile_id}", headers=stack.auth("Derek"))).json()[
        "ticket_number"
    ]
    commented, raised, asked = await asyncio.gather(
        stack.http.post(
            f"/tickets/{number}/comments",
            json={"body": "Still there?"},
            headers=stack.auth("Derek"),
        ),
        stack.http.post(
            "/tickets", json={"subject": "Down?", "body": "Hello?"}, headers=stack.auth("Derek")
        ),
        stack.http.post(f"{links['customer']}/comments", data={"comment": "Anyone?"}),
    )
    assert commented.status_code == raised.status_code == 503, (commented.text, raised.text)
    assert asked.status_code == 503 and asked.headers["content-type"].startswith("text/html")
    assert "Please open your link again in a few minutes" in asked.text
    async with stack.sessions() as session:
        kept = (await session.exec(select(TicketComment.body))).all()
        subjects = (await session.exec(select(Ticket.subject))).all()
    assert not {"Still there?", "Anyone?"} & set(kept) and "Down?" not in subjects
    assert (filed.status_code, filed.json()) == (503, {"detail": TEMPORAL_DOWN})
    # Reads come from the database: they go on answering.
    assert read.status_code == 200 and read.json()["status"] == "in_review", read.text
    assert implemented.status_code == 503, implemented.text
    # The workflow service is down, or no worker could confirm in time: both say try again.
    assert "again shortly" in implemented.json()["detail"]
    assert page.status_code == 200 and "Your approval is requested" in page.text
    assert decided.status_code == 503, decided.text
    assert decided.headers["content-type"].startswith("text/html")
    assert "Please open your link again in a few minutes" in decided.text
    assert decided_json.status_code == 503
    assert "could not be confirmed" in decided_json.json()["detail"]
    assert ready.status_code == 503
    assert ready.json()["detail"] == "unavailable: temporal"
    assert ready.json()["checks"]["database"] == "ok"


async def test_requests_resume_after_the_temporal_server_restarts(
    own_temporal: OwnTemporal,
) -> None:
    stack, server, worker = own_temporal.stack, own_temporal.server, own_temporal.worker
    addition = await filed_addition(stack)
    links = await approval_links(stack)
    profile = await submitted(stack)
    await stack.wait_for_mail(lambda m: profile["ticket_number"] in m.subject)
    addition_workflow = f"purchaser-addition-{stack.customer_id}"
    profile_workflow = f"profile-change-{stack.customer_id}"
    rows = await request_rows(stack)
    legal_name = (await customer_row(stack)).legal_name

    await server.stop()
    await while_down(stack, profile["id"], links)
    assert await request_rows(stack) == rows, "a request filed while down is not kept"
    assert (await customer_row(stack)).legal_name == legal_name
    assert worker.poll() is None, "the worker rides out the outage, retrying its polls"

    await server.start()
    assert (await status_becomes(lambda: stack.http.get("/readyz"), 200)).status_code == 200
    # The state survived, and nothing decided while the server was down reached it.
    waiting = await eventually(
        lambda: state_of(stack, addition_workflow), lambda s: s is not None, WORKER_BACK_SECONDS
    )
    assert waiting is not None, "no worker answered after the restart"
    assert [(a.side.value, a.status.value) for a in waiting.approvals] == [
        ("customer", "pending"),
        ("purchaser", "pending"),
    ]
    reviewing = await state_of(stack, profile_workflow)
    assert reviewing is not None and reviewing.status.value == "in_review"

    for side in ("customer", "purchaser"):
        approved = await decide(stack, links[side], "approve")
        assert approved.status_code == 200 and "you approved" in approved.text, approved.text
    await stack.wait_for_request(addition["id"], lambda r: r["status"] == "in_review")
    for request in (addition, profile):
        done = await stack.http.post(
            f"/requests/{request['id']}/implement", headers=stack.auth("Sam")
        )
        assert done.status_code == 200 and done.json()["status"] == "implemented", done.text
    assert str(await stack.run_ended(addition["id"])) == "implemented"
    assert str(await stack.run_ended(profile["id"])) == "implemented"

    for request in (addition, profile):
        assert await tickets_for(stack, request["id"]) == 1
        assert await implemented_events(stack, request["id"]) == 1, "applied exactly once"
    assert await count(stack, Purchaser) == 1
    customer = await customer_row(stack)
    assert customer.legal_name == NEW_LEGAL["name"]
    purchaser = (
        await stack.http.get(f"/customers/{stack.customer_id}", headers=stack.auth("Derek"))
    ).json()["purchaser"]
    assert purchaser["name"] == PURCHASER["name"]

    # Addition: the requester is told received, approved and implemented; the service team
    # of the filing; each approver is asked, then told; the new contact is welcomed; Teresa
    # and Ursula are told their financial role moved. Profile: received, filed, implemented.
    sent = [(m.subject, m.recipients) for m in stack.mail.messages]
    assert len(sent) == len(set(sent)) == 14, f"each email exactly once: {sent}"
    assert sorted({to for _, (to,) in sent}) == sorted(
        {DEREK, URSULA["email"], PERCY["email"], PAULA["email"], TERESA, SERVICE_TEAM}
    )
    assert await count(stack, EmailLog) == 14

    assert await stop_process(worker) == 0, "the worker still drains and exits cleanly"


async def implemented_events(stack: Stack, request_id: str) -> int:
    return await count(
        stack,
        AuditEvent,
        col(AuditEvent.request_id) == uuid.UUID(request_id),
        col(AuditEvent.action) == "implemented",
    )
