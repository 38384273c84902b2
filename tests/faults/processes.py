"""Real processes a fault test stops and starts again, and the polling it needs meanwhile."""

import asyncio
import signal
import socket
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import httpx
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError

from devstack.temporal import dev_server_command
from tests.conftest import _temporal_binary

STARTUP_SECONDS = 30.0
STOP_SECONDS = 30.0
POLL_SECONDS = 0.2

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def eventually(
    probe: Callable[[], Awaitable[T]], done: Callable[[T], bool], seconds: float = 20.0
) -> T:
    """Ask until the answer is ``done``; the last answer once the deadline has passed."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        answer = await probe()
        if done(answer) or asyncio.get_running_loop().time() > deadline:
            return answer
        await asyncio.sleep(POLL_SECONDS)


async def status_becomes(
    probe: Callable[[], Awaitable[httpx.Response]], expected: int, seconds: float = 20.0
) -> httpx.Response:
    return await eventually(probe, lambda response: response.status_code == expected, seconds)


async def stop_process(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> int:
    """Signal the process and wait for it; killed if it outlives the grace period."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            await asyncio.to_thread(process.wait, STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            await asyncio.to_thread(process.wait)
    return process.returncode


class TemporalServer:
    """``temporal server start-dev`` on a database file, stopped and started again on the
    same file and port, as ``make dev`` runs it (search attributes registered, WAL)."""

    def __init__(self, directory: Path) -> None:
        self.db_file = directory / "temporal.db"
        self.log_file = directory / "temporal.log"
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return dev_server_command(_temporal_binary(), self.port, self.db_file)

    async def start(self) -> None:
        """Launch the server and return once it answers a health check."""
        self.process = self._launch()
        deadline = asyncio.get_running_loop().time() + STARTUP_SECONDS
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the Temporal server exited: {self.log_file.read_text()}")
            try:
                client = await Client.connect(self.address)
                if await client.service_client.check_health():
                    return
            except (RuntimeError, RPCError):
                pass  # not listening yet
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"the Temporal server did not answer: {self.log_file}")
            await asyncio.sleep(POLL_SECONDS)

    def _launch(self) -> subprocess.Popen[bytes]:
        with self.log_file.open("ab") as log:
            return subprocess.Popen(self.command(), stdout=log, stderr=log)

    async def stop(self) -> None:
        """SIGTERM, as an orchestrator stops it, and wait until it has exited."""
        if self.process is not None:
            await stop_process(self.process)
            self.process = None

    async def client(self) -> Client:
        return await Client.connect(self.address, data_converter=pydantic_data_converter)
