"""A worker killed (SIGKILL) right after each side effect, then restarted, repeats nothing.

The worker kills itself once after each kind of side effect, once the activity has done its
work and before Temporal hears of it (``tests/faults/crashing_worker.py``); the test starts
it again each time. The four processes run at once, so each kill also cuts the others'
steps short wherever they are.
"""

import asyncio
import signal
import subprocess
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from sqlmodel import col, select

from models.audit import AuditEvent
from models.contact import Contact
from models.email_log import EmailLog
from models.purchaser import Purchaser
from models.request import ChangeRequest
from settings import Settings
from tests.conftest import Stack, worker_process
from tests.e2e.profile import NEW_LEGAL, count, customer_row, tickets_for
from tests.e2e.purchaser import (
    PERCY,
    PURCHASER,
    URSULA,
    approval_path,
    assign_purchaser,
)
from tests.e2e.test_contact_change import ANNABELLE, contact_id
from tests.faults.crashing_worker import MARKERS

# Every kind of side effect the four processes have, as the activity that has it.
SIDE_EFFECTS = {
    "raise_ticket",
    "send_email",
    "open_approvals",
    "record_approval",
    "complete_approvals",
    "apply_profile_change",
    "apply_contact_change",
    "apply_purchaser_addition",
    "apply_purchaser_removal",
}
NORTHWIND_APPROVER = {"name": "Nora Northwind", "email": "nora.northwind@northwind.example.com"}
SECOND_PARTNERS = {**PURCHASER, "name": "Second Partners Ltd"}
QUENTIN = {
    "first_name": "Quentin",
    "last_name": "Quill",
    "email": "quentin.quill@second.example.com",
    "phone": "+44 20 7946 0002",
    "roles": ["financial", "purchaser"],
}
PATIENCE = 180.0


class RestartedWorker:
    """One crashing worker kept running: each time it kills itself, a new one starts."""

    def __init__(self, settings: Settings, markers: Path, log: IO[bytes]) -> None:
        self._settings, self._markers, self._log = settings, markers, log
        self.process = self._start()
        self.kills = 0
        self.other_exits: list[int] = []

    def _start(self) -> subprocess.Popen[bytes]:
        return worker_process(
            self._settings,
            module="tests.faults.crashing_worker",
            env={MARKERS: str(self._markers)},
            log=self._log,
        )

    async def keep_running(self) -> None:
        while True:
            await asyncio.sleep(0.1)
            if self.process.poll() is not None:
                if self.process.returncode == -signal.SIGKILL:
                    self.kills += 1
                else:
                    self.other_exits.append(self.process.returncode)
                self.process = self._start()

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)


@asynccontextmanager
async def restarted_worker(
    settings: Settings, markers: Path, log: IO[bytes]
) -> AsyncIterator[RestartedWorker]:
    worker = RestartedWorker(settings, markers, log)
    watching = asyncio.create_task(worker.keep_running())
    try:
        yield worker
    finally:
        watching.cancel()
        worker.stop()


async def until(what: str, probe: Callable[[], Awaitable[Any]], seconds: float = PATIENCE) -> Any:
    """Probe until it returns something truthy; the worker may be restarting meanwhile."""
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        if found := await probe():
            return found
        await asyncio.sleep(0.2)
    raise TimeoutError(f"never: {what}")


async def request_is(stack: Stack, request_id: str, status: str, who: str = "Sam") -> bool:
    response = await stack.http.get(f"/requests/{request_id}", headers=stack.auth(who))
    return response.status_code == 200 and response.json()["status"] == status


async def filed(stack: Stack, path: str, form: dict[str, Any], who: str) -> str:
    response = await stack.http.post(path, json=form, headers=stack.auth(who))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def until_delivered(
    stack: Stack, what: str, post: Callable[[], Awaitable[httpx.Response]], done: str
) -> None:
    """Post a decision until it is taken; a 503 (no worker answering) is retried, as a person
    would, once the request shows it is still waiting."""

    async def attempt() -> bool:
        response = await post()
        if response.status_code in (200, 202):
            return True
        assert response.status_code in (409, 410, 503), f"{what}: {response.text}"
        return response.status_code != 503 and done in response.text

    await until(what, attempt)


async def link_to(stack: Stack, recipient: str) -> str:
    message = await stack.wait_for_mail(
        lambda m: m.recipients == (recipient,) and "approval is requested" in m.subject,
        timeout=PATIENCE,
    )
    return approval_path(message)


class TestKilledWorker:
    @pytest.fixture
    def in_process_worker(self) -> bool:
        return False

    async def test_every_process_ends_once_although_killed_after_each_side_effect(
        self, stack: Stack, tmp_path: Path
    ) -> None:
        plain = worker_process(stack.settings)
        try:
            await assign_purchaser(stack)  # the purchaser whose removal is killed below
            async with stack.sessions() as session:
                (setup,) = (await session.exec(select(ChangeRequest.id))).all()
            await stack.run_ended(str(setup))
        finally:
            plain.send_signal(signal.SIGTERM)
            await asyncio.to_thread(plain.wait, 60)
        stack.mail.clear()
        markers = tmp_path / "kills"
        markers.mkdir()
        customer, northwind = stack.customer_id, stack.other_customer_id
        with (tmp_path / "worker.log").open("wb") as log:
            async with restarted_worker(stack.settings, markers, log) as worker:
                profile = await filed(
                    stack,
                    f"/customers/{customer}/profile-change-requests",
                    {"legal": NEW_LEGAL},
                    "Derek",
                )
                contacts = await filed(
                    stack,
                    f"/customers/{customer}/contact-change-requests",
                    {"changes": [{"op": "add", "contact": ANNABELLE, "roles": ["technical"]}]},
                    "Derek",
                )
                removal = await filed(
                    stack,
                    f"/customers/{customer}/purchaser-removal-requests",
                    {
                        "role_assignments": [
                            {"contact_id": contact_id(stack, "Teresa"), "roles": ["financial"]}
                        ],
                        "approver": URSULA,
                    },
                    "Derek",
                )
                addition = await filed(
                    stack,
                    f"/customers/{northwind}/purchaser-addition-requests",
                    {
                        "purchaser": SECOND_PARTNERS,
                        "responsibility": "financial",
                        "contacts": [QUENTIN],
                        "approvers": {"customer": NORTHWIND_APPROVER, "purchaser": PERCY},
                    },
                    "Olive",
                )

                for recipient in (URSULA["email"], NORTHWIND_APPROVER["email"], PERCY["email"]):
                    link = await link_to(stack, recipient)
                    await until_delivered(
                        stack,
                        f"approval by {recipient}",
                        partial(stack.http.post, link, data={"decision": "approve"}),
                        "Your decision has been recorded",
                    )
                for request_id in (removal, addition):
                    await until(
                        f"{request_id} in review",
                        partial(request_is, stack, request_id, "in_review"),
                    )
                for request_id in (profile, contacts, removal, addition):
                    await until_delivered(
                        stack,
                        f"implementing {request_id}",
                        partial(
                            stack.http.post,
                            f"/requests/{request_id}/implement",
                            headers=stack.auth("Sam"),
                        ),
                        "it is implemented",
                    )
                for request_id in (profile, contacts, removal, addition):
                    await asyncio.wait_for(stack.run_ended(request_id, PATIENCE), PATIENCE)

        assert {marker.name for marker in markers.iterdir()} == SIDE_EFFECTS
        assert (worker.kills, worker.other_exits) == (len(SIDE_EFFECTS), [])

        ours = (profile, contacts, removal, addition)
        for request_id in ours:
            assert await request_is(stack, request_id, "implemented")
            assert await tickets_for(stack, request_id) == 1
        in_ours = col(AuditEvent.request_id).in_([uuid.UUID(r) for r in ours])
        assert await count(stack, AuditEvent, AuditEvent.action == "implemented", in_ours) == 4
        delivered = [(m.subject, m.recipients) for m in stack.mail.messages]
        async with stack.sessions() as session:
            logged = (
                await session.exec(
                    select(EmailLog.subject, EmailLog.to_address).where(
                        col(EmailLog.request_id).in_([uuid.UUID(r) for r in ours]),
                        col(EmailLog.failure).is_(None),
                    )
                )
            ).all()
        assert len(delivered) == len(set(delivered)), "no email delivered twice"
        assert sorted(delivered) == sorted((s, (to,)) for s, to in logged)

        assert (await customer_row(stack)).legal_name == NEW_LEGAL["name"]
        assert await count(stack, Contact, Contact.email == ANNABELLE["email"]) == 1
        assert await count(stack, Contact, Contact.email == QUENTIN["email"]) == 1
        purchasers = await count(stack, Purchaser)
        assert purchasers == 1, "Purchase Partners removed, Second Partners added"
