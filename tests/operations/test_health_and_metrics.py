"""Health, readiness and metrics as operators and orchestrators see them."""

import asyncio
import re
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.main import create_app
from tests.conftest import METRICS_TOKEN, Stack, serve, worker_process
from tests.e2e.profile import emails_for, submitted
from tests.tcp_proxy import TcpProxy

POSTGRES = ("127.0.0.1", 5432)
ADDRESS = {"street": "1 Any Street", "city": "Leeds", "postal_code": "LS1 1AA", "country": "GB"}


async def eventually(
    probe: Callable[[], Any], expected: int, seconds: float = 20.0
) -> httpx.Response:
    """Ask until the answer has the expected status (reconnects take a moment)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        response: httpx.Response = await probe()
        if response.status_code == expected or asyncio.get_running_loop().time() > deadline:
            return response
        await asyncio.sleep(0.2)


@pytest.fixture
async def temporal_proxy(stack: Stack) -> AsyncIterator[TcpProxy]:
    host, port = stack.settings.temporal_address.rsplit(":", 1)
    proxy = TcpProxy(host, int(port))
    await proxy.start()
    yield proxy
    await proxy.stop()


async def test_liveness_and_readiness_on_the_running_stack(stack: Stack) -> None:
    assert (await stack.http.get("/healthz")).json() == {"status": "ok"}
    ready = await stack.http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "temporal": "ok"}


async def test_readiness_names_temporal_while_it_is_down(
    stack: Stack, temporal_proxy: TcpProxy
) -> None:
    settings = stack.settings.model_copy(update={"temporal_address": temporal_proxy.address})
    async with serve(create_app(settings)) as http:
        assert (await http.get("/readyz")).status_code == 200
        await temporal_proxy.stop()
        down = await eventually(lambda: http.get("/readyz"), 503)
        assert down.status_code == 503
        assert down.json()["detail"] == "unavailable: temporal"
        assert down.json()["checks"]["database"] == "ok"
        assert (await http.get("/healthz")).status_code == 200, "alive, just not ready"
        filed = await http.post(
            f"/customers/{stack.customer_id}/profile-change-requests",
            json={
                "legal": {
                    "name": "X Ltd",
                    "address": {
                        "street": "1 A St",
                        "city": "B",
                        "postal_code": "C1",
                        "country": "GB",
                    },
                }
            },
            headers=stack.auth("Derek"),
        )
        assert filed.status_code == 503, "the API says so clearly, never 500"
        await temporal_proxy.start()
        back = await eventually(lambda: http.get("/readyz"), 200)
        assert back.status_code == 200, back.text


async def test_readiness_names_the_database_while_it_is_down(stack: Stack) -> None:
    proxy = TcpProxy(*POSTGRES)
    await proxy.start()
    database_url = f"postgresql://postgres@{proxy.address}/postgres"
    settings = stack.settings.model_copy(update={"database_url": database_url})
    try:
        async with serve(create_app(settings)) as http:
            assert (await http.get("/readyz")).status_code == 200
            await proxy.stop()
            down = await eventually(lambda: http.get("/readyz"), 503)
            assert down.status_code == 503
            assert down.json()["detail"] == "unavailable: database"
            await proxy.start()
            assert (await eventually(lambda: http.get("/readyz"), 200)).status_code == 200
    finally:
        await proxy.stop()


async def test_api_metrics_count_routes_and_requests_by_kind(stack: Stack) -> None:
    request = await submitted(stack)
    await stack.http.post(f"/requests/{request['id']}/implement", headers=stack.auth("Sam"))
    scraper = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    scraped = (await stack.http.get("/metrics", headers=scraper)).text
    assert re.search(
        r'signoff_http_requests_total\{method="POST",route="/customers/\{customer_id\}/'
        r'profile-change-requests",status="201"\} 1\.0',
        scraped,
    )
    assert (
        'signoff_http_request_duration_seconds_count{method="GET",route="/requests/{request_id}"}'
        in scraped
    )
    assert 'signoff_change_requests{kind="profile_change",status="implemented"} 1.0' in scraped
    assert 'signoff_change_requests_started{kind="profile_change"} 1.0' in scraped
    assert 'signoff_change_requests{kind="purchaser_addition",status="rejected"} 0.0' in scraped
    echoed = await stack.http.get("/healthz", headers={"X-Request-ID": "trace-me"})
    assert echoed.headers["x-request-id"] == "trace-me"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TestWorkerProcess:
    @pytest.fixture
    def in_process_worker(self) -> bool:
        return False

    async def test_worker_exports_sdk_metrics_and_stops_cleanly_on_sigterm(
        self, stack: Stack
    ) -> None:
        address = f"127.0.0.1:{_free_port()}"
        worker = worker_process(
            stack.settings.model_copy(update={"worker_metrics_address": address})
        )
        try:
            await submitted(stack)
            async with httpx.AsyncClient() as http:
                scraped = (await http.get(f"http://{address}/metrics")).text
            assert "temporal_activity_execution_latency" in scraped or "temporal_request" in scraped
            assert "temporal_worker_task_slots_available" in scraped
        finally:
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=60) == 0, "a SIGTERM drains and exits cleanly"


def test_worker_exits_non_zero_when_temporal_is_unreachable(stack: Stack) -> None:
    signoff = Path(sys.executable).parent / "signoff"
    result = subprocess.run(
        [str(signoff), "worker"],
        env={
            "SIGNOFF_TEMPORAL_ADDRESS": "127.0.0.1:1",
            "PATH": "/usr/bin:/bin",
            "SIGNOFF_WORKER_METRICS_ADDRESS": "",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "cannot reach Temporal at 127.0.0.1:1" in result.stderr


class _SlowHandler:
    """Accepts mail, but takes its time over each message."""

    def __init__(self) -> None:
        self.receiving = asyncio.Event()
        self.received: list[bytes] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        self.receiving.set()
        await asyncio.sleep(3)
        self.received.append(envelope.content)
        return "250 Message accepted for delivery"


class TestDrain:
    @pytest.fixture
    def in_process_worker(self) -> bool:
        return False

    async def test_sigterm_lets_the_email_in_flight_finish(self, stack: Stack) -> None:
        from aiosmtpd.controller import Controller

        handler = _SlowHandler()
        smtp = Controller(handler, hostname="127.0.0.1", port=_free_port())
        smtp.start()
        settings = stack.settings.model_copy(
            update={"smtp_port": smtp.port, "worker_metrics_address": ""}
        )
        worker = worker_process(settings)
        restarted = None
        try:
            response = await stack.http.post(
                f"/customers/{stack.customer_id}/profile-change-requests",
                json={"legal": {"name": "Drained Ltd", "address": ADDRESS}},
                headers=stack.auth("Derek"),
            )
            assert response.status_code == 201
            request_id = response.json()["id"]
            await asyncio.wait_for(handler.receiving.wait(), timeout=30)
            worker.send_signal(signal.SIGTERM)
            assert await asyncio.to_thread(worker.wait, 60) == 0
            # The activity finished inside the grace period: its email is logged as sent.
            assert await emails_for(stack, request_id) == 1
            restarted = worker_process(settings)
            await asyncio.sleep(3)
            assert len(handler.received) == 1, "not sent again by the next worker"
        finally:
            for process in (worker, restarted):
                if process is not None and process.poll() is None:
                    process.send_signal(signal.SIGTERM)
                    await asyncio.to_thread(process.wait, 60)
            smtp.stop()


async def test_api_metrics_answer_only_the_metrics_token(stack: Stack) -> None:
    """Anyone else (no token, an API token, a guess) gets 401, and the metrics are not served
    at all when no token is set."""
    for headers in ({}, stack.auth("Sam"), {"Authorization": "Bearer test-metrics-tokeN"}):
        refused = await stack.http.get("/metrics", headers=headers)
        assert refused.status_code == 401, headers
        assert "signoff_" not in refused.text
    unset = stack.settings.model_copy(update={"metrics_token": ""})
    async with serve(create_app(unset)) as http:
        off = await http.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert off.status_code == 404
        assert "signoff_" not in off.text
