"""The SMTP server down for a while: requests go on, and each email arrives once it is back."""

import asyncio
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import col, select

from models.email_log import EmailLog
from tests.conftest import Stack, worker_process
from tests.e2e.profile import NEW_LEGAL, customer_row, emails_for, submitted
from tests.tcp_proxy import TcpProxy


@pytest.fixture
def in_process_worker() -> bool:
    return False


@pytest.fixture
async def smtp_proxy(stack: Stack) -> AsyncIterator[TcpProxy]:
    """The worker's way to the SMTP server, down from the start."""
    proxy = TcpProxy("127.0.0.1", stack.mail.port)
    await proxy.start()
    await proxy.stop()
    yield proxy
    await proxy.stop()


async def test_requests_go_on_and_emails_arrive_once_smtp_is_back(
    stack: Stack, smtp_proxy: TcpProxy, tmp_path: Path
) -> None:
    settings = stack.settings.model_copy(
        update={"smtp_port": smtp_proxy.port, "worker_metrics_address": ""}
    )
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        worker = worker_process(settings, log=log)
        try:
            request = await submitted(stack)
            # The service team decides although the requester has not been told yet.
            implemented = await stack.http.post(
                f"/requests/{request['id']}/implement", headers=stack.auth("Sam")
            )
            assert implemented.status_code == 200, implemented.text
            assert implemented.json()["status"] == "implemented"
            assert (await customer_row(stack)).legal_name == NEW_LEGAL["name"]
            assert stack.mail.messages == []
            assert await emails_for(stack, request["id"]) == 0

            await _until_logged(log_path, f"email {request['id']}/received waits for the SMTP")
            await smtp_proxy.start()
            await stack.run_ended(request["id"], timeout=60)
        finally:
            worker.send_signal(signal.SIGTERM)
            await asyncio.to_thread(worker.wait, 60)

    number = request["ticket_number"]
    assert [m.subject for m in stack.mail.messages] == [
        f"[{number}] Your profile change request was received",
        f"[{number}] A new profile change request from {NEW_LEGAL['name']}",
        f"[{number}] Your profile change request was implemented",
    ], "each email once, in the order they were asked for"
    async with stack.sessions() as session:
        failures = (await session.exec(select(EmailLog.failure))).all()
        keys = (await session.exec(select(EmailLog.key).order_by(col(EmailLog.id)))).all()
    assert failures == [None, None, None]
    assert keys == [f"{request['id']}/{step}" for step in ("received", "filed", "outcome")]


async def _until_logged(path: Path, text: str, seconds: float = 20.0) -> None:
    """The worker's log says what waits (an operator's view of the outage)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while text not in await asyncio.to_thread(path.read_text):
        assert asyncio.get_running_loop().time() < deadline, f"never logged: {text}"
        await asyncio.sleep(0.2)
