"""The benchmark: Signoff against the Temporal floor, open requests at scale, history length.

    python -m bench.run [--requests 500] [--clients 20] [--open 10000] [--repeat 3] [--pages 200]
                        [--tickets 10000] [--output bench/results/latest.json]
                        [--directory var/bench]

Runs the embedded stack as ``make dev`` does (Temporal dev server on a SQLite file with WAL,
the SMTP catcher, one worker, one API), in a fresh ``var/bench/``, on free ports. Prints a
table and writes ``bench/results/latest.json``.
"""

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvloop
from sqlmodel import Session
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from bench import portal
from bench.floor import FloorWorkflow, nothing
from devstack.temporal import dev_server_command
from models.contact import Contact
from models.customer import Customer
from models.database import create_sync_engine
from models.enums import Side, UserState
from models.tokens import hash_token
from models.user import ApiToken, User
from settings import Settings
from worker import workflow_runner

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
ADDRESS = {"street": "1 Bench Road", "city": "Leeds", "postal_code": "LS1 1AA", "country": "GB"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    directory: Path
    temporal: str
    api: str
    outbox: str
    database_url: str
    pids: dict[str, int]

    @property
    def worker_pid(self) -> int:
        return self.pids["worker"]

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time used so far by each process of the stack, and by this one."""
        used = {name: _cpu_seconds(pid) for name, pid in self.pids.items()}
        mine = os.times()
        used["bench"] = mine.user + mine.system
        return used


@contextmanager
def embedded_stack(directory: Path) -> Iterator[Stack]:
    """Temporal, the SMTP catcher, a worker and the API as processes, as ``make dev`` runs them."""
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    ports = {name: _free_port() for name in ("temporal", "ui", "smtp", "outbox", "api")}
    database_url = f"sqlite:///{directory / 'signoff.db'}"
    env = {
        **os.environ,
        "SIGNOFF_DATABASE_URL": database_url,
        "SIGNOFF_TEMPORAL_ADDRESS": f"127.0.0.1:{ports['temporal']}",
        "SIGNOFF_SMTP_HOST": "127.0.0.1",
        "SIGNOFF_SMTP_PORT": str(ports["smtp"]),
        "SIGNOFF_PUBLIC_URL": f"http://127.0.0.1:{ports['api']}",
        "SIGNOFF_WORKER_METRICS_ADDRESS": "",
    }
    subprocess.run([str(BIN / "signoff"), "db", "upgrade"], env=env, check=True)
    commands = {
        "temporal": dev_server_command(
            BIN / "temporal",
            ports["temporal"],
            directory / "temporal.db",
            ports["ui"],
            log_level="error",
        ),
        "mailcatcher": [
            str(BIN / "signoff"),
            "mailcatcher",
            "--smtp-port",
            str(ports["smtp"]),
            "--http-port",
            str(ports["outbox"]),
        ],
        "worker": [str(BIN / "signoff"), "worker"],
        "api": [str(BIN / "signoff"), "api", "--port", str(ports["api"])],
    }
    processes: dict[str, subprocess.Popen[bytes]] = {}
    logs = {name: (directory / f"{name}.log").open("wb") for name in commands}
    try:
        for name, command in commands.items():
            processes[name] = subprocess.Popen(
                command, env=env, cwd=directory, stdout=logs[name], stderr=subprocess.STDOUT
            )
            if name == "temporal":
                _wait(lambda: _port_open(ports["temporal"]), "Temporal")
                time.sleep(1)
        _wait(lambda: _answers(f"http://127.0.0.1:{ports['api']}/healthz"), "the API")
        yield Stack(
            directory,
            f"127.0.0.1:{ports['temporal']}",
            f"http://127.0.0.1:{ports['api']}",
            f"http://127.0.0.1:{ports['outbox']}",
            database_url,
            {name: process.pid for name, process in processes.items()},
        )
    finally:
        for process in reversed(processes.values()):
            process.send_signal(signal.SIGTERM)
        for process in reversed(processes.values()):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs.values():
            log.close()


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _wait(ready: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not come up within {seconds:.0f} s")
        time.sleep(0.2)


@dataclass(frozen=True)
class BenchCustomer:
    id: str
    token: str
    contact_id: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def customers(database_url: str, count: int, with_staff: bool = False) -> list[BenchCustomer]:
    """``count`` customers, each with one contact holding every required role.

    ``with_staff`` also adds the service-team user whose token is ``STAFF``.
    """
    engine = create_sync_engine(database_url)
    made: list[BenchCustomer] = []
    rows: dict[str, list[Any]] = {"customers": [], "contacts": [], "users": [], "tokens": []}
    for _ in range(count):
        customer = Customer(
            legal_name="Bench Ltd",
            legal_street="1 Old Road",
            legal_city="York",
            legal_postal_code="YO1 1AA",
            legal_country="GB",
            payment_name="Bench Ltd",
            payment_street="1 Old Road",
            payment_city="York",
            payment_postal_code="YO1 1AA",
            payment_country="GB",
        )
        contact = Contact(
            customer_id=customer.id,
            side=Side.CUSTOMER,
            first_name="Ben",
            last_name="Ch",
            email=f"{uuid.uuid4().hex}@bench.example.com",
            roles=[role.value for role in Settings().required_roles],
        )
        user = User(contact_id=contact.id, state=UserState.ACTIVE)
        token = f"so_bench_{uuid.uuid4().hex}"
        rows["customers"].append(customer)
        rows["contacts"].append(contact)
        rows["users"].append(user)
        rows["tokens"].append(ApiToken(user_id=user.id, token_hash=hash_token(token)))
        made.append(BenchCustomer(str(customer.id), token, str(contact.id)))
    if with_staff:
        staff = User(is_staff=True, name="Bench Staff", state=UserState.ACTIVE)
        rows["users"].append(staff)
        rows["tokens"].append(ApiToken(user_id=staff.id, token_hash=hash_token("so_bench_staff")))
    with Session(engine) as session:
        # No ORM relationships: insert table by table, parents first.
        for table in ("customers", "contacts", "users", "tokens"):
            session.add_all(rows[table])
            session.flush()
        session.commit()
    engine.dispose()
    return made


STAFF = {"Authorization": "Bearer so_bench_staff"}
# The paced run's arrival rate, as a share of the throughput just measured.
PACED_SHARE = 0.5


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def in_parallel(count: int, clients: int, job: Callable[[int], Awaitable[None]]) -> float:
    """Run ``job(i)`` for every i with ``clients`` at a time; the seconds it all took."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(count):
        queue.put_nowait(index)

    async def client() -> None:
        while not queue.empty():
            await job(queue.get_nowait())

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return time.perf_counter() - started


def cpu_ms_per_request(
    before: dict[str, float], after: dict[str, float], count: int
) -> dict[str, float]:
    return {name: (after[name] - before[name]) * 1000 / count for name in after}


@dataclass
class FloorRun:
    per_s: float
    cpu_ms: dict[str, float]


async def floor(stack: Stack, count: int, clients: int, sandboxed: bool = True) -> FloorRun:
    """The floor with Signoff's worker settings; ``sandboxed=False`` shows the sandbox's cost."""
    client = await Client.connect(stack.temporal, data_converter=pydantic_data_converter)
    queue = f"floor-{uuid.uuid4().hex[:8]}"
    runner = workflow_runner() if sandboxed else UnsandboxedWorkflowRunner()
    async with Worker(
        client,
        task_queue=queue,
        workflows=[FloorWorkflow],
        activities=[nothing],
        workflow_runner=runner,
    ):

        async def one(index: int) -> None:
            handle = await client.start_workflow(
                FloorWorkflow.run, id=f"floor-{queue}-{index}", task_queue=queue
            )
            await handle.execute_update(FloorWorkflow.implement)
            await handle.result()

        before = stack.cpu_seconds()
        elapsed = await in_parallel(count, clients, one)
        used = cpu_ms_per_request(before, stack.cpu_seconds(), count)
    return FloorRun(count / elapsed, used)


class Latencies:
    """Submit and implement latencies of profile changes, and the calls that failed."""

    def __init__(self) -> None:
        self.submit_ms: list[float] = []
        self.implement_ms: list[float] = []
        self.visible_ms: list[float] = []
        self.failed: list[int] = []

    async def profile_change(
        self, http: httpx.AsyncClient, customer: BenchCustomer, index: int
    ) -> None:
        """File one profile change, implement it as staff, wait until it shows implemented."""
        started = time.perf_counter()
        filed = await http.post(
            f"/customers/{customer.id}/profile-change-requests",
            json={"legal": {"name": f"Bench {index} Ltd", "address": ADDRESS}},
            headers=customer.auth,
        )
        self.submit_ms.append((time.perf_counter() - started) * 1000)
        if filed.status_code != 201:
            self.failed.append(filed.status_code)
            return
        request_id = filed.json()["id"]
        started = time.perf_counter()
        done = await http.post(f"/requests/{request_id}/implement", headers=STAFF)
        self.implement_ms.append((time.perf_counter() - started) * 1000)
        if done.status_code not in (200, 202):
            self.failed.append(done.status_code)
            return
        await _until_implemented(http, request_id)
        self.visible_ms.append((time.perf_counter() - started) * 1000)


@dataclass
class SignoffRun:
    per_s: float
    latencies: Latencies
    cpu_ms: dict[str, float]


async def signoff(stack: Stack, count: int, clients: int) -> SignoffRun:
    """``clients`` clients, each filing and implementing one request after another."""
    people = customers(stack.database_url, count)
    latencies = Latencies()
    async with httpx.AsyncClient(base_url=stack.api, timeout=60) as http:

        async def one(index: int) -> None:
            await latencies.profile_change(http, people[index], index)

        before = stack.cpu_seconds()
        elapsed = await in_parallel(count, clients, one)
        used = cpu_ms_per_request(before, stack.cpu_seconds(), count)
    return SignoffRun((count - len(latencies.failed)) / elapsed, latencies, used)


async def paced(
    stack: Stack, count: int, per_s: float, people: list[BenchCustomer] | None = None
) -> Latencies:
    """Requests arriving at a steady ``per_s``, however long each takes: latency below
    saturation, where 20 clients back to back measure the queue at capacity."""
    people = people or customers(stack.database_url, count)
    latencies = Latencies()
    async with httpx.AsyncClient(base_url=stack.api, timeout=60) as http:
        started = time.perf_counter()
        running = []
        for index in range(count):
            await asyncio.sleep(max(0.0, started + index / per_s - time.perf_counter()))
            running.append(
                asyncio.create_task(latencies.profile_change(http, people[index], index))
            )
        await asyncio.gather(*running)
    return latencies


async def _until_implemented(http: httpx.AsyncClient, request_id: str) -> None:
    for _ in range(3000):
        if (await http.get(f"/requests/{request_id}", headers=STAFF)).json()["status"] == (
            "implemented"
        ):
            return
        await asyncio.sleep(0.02)
    raise RuntimeError(f"request {request_id} was not implemented within a minute")


async def open_at_scale(stack: Stack, count: int, clients: int) -> dict[str, float]:
    people = customers(stack.database_url, count)
    ids: list[str] = []
    failed: list[int] = []
    async with httpx.AsyncClient(base_url=stack.api, timeout=60) as http:

        async def file(index: int) -> None:
            customer = people[index]
            filed = await http.post(
                f"/customers/{customer.id}/profile-change-requests",
                json={"legal": {"name": f"Open {index} Ltd", "address": ADDRESS}},
                headers=customer.auth,
            )
            if filed.status_code == 201:
                ids.append(filed.json()["id"])
            else:
                failed.append(filed.status_code)

        await in_parallel(count, clients, file)
        await asyncio.sleep(5)  # the workers settle into waiting for the service team
        get_ms: list[float] = []
        tickets_ms: list[float] = []
        for index in range(min(200, len(ids))):
            started = time.perf_counter()
            await http.get(f"/requests/{ids[index]}", headers=STAFF)
            get_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            await http.get("/tickets", headers=people[index].auth)
            tickets_ms.append((time.perf_counter() - started) * 1000)
    return {
        "worker_rss_mb": _rss_mb(stack.worker_pid),
        "get_request_p50_ms": statistics.median(get_ms),
        "get_request_p99_ms": percentile(get_ms, 0.99),
        "get_tickets_p50_ms": statistics.median(tickets_ms),
        "get_tickets_p99_ms": percentile(tickets_ms, 0.99),
        "database_mb": (stack.directory / "signoff.db").stat().st_size / 2**20,
        "open_submissions_failed": float(len(failed)),
    }


@dataclass
class PortalRun:
    sequential: portal.Timings
    paced: portal.Timings
    load_failed: int
    # Cores each process kept busy during the paced run; "machine" counts every process.
    paced_cores: dict[str, float]


async def portal_pages(stack: Stack, count: int, load_per_s: float, tickets: int = 0) -> PortalRun:
    """The portal's pages, ``count`` GETs each: one after another, then arriving at a steady
    pace while profile changes arrive at ``load_per_s`` (half the end-to-end throughput)."""
    pages = await portal.sign_in(stack.api, stack.database_url, tickets)
    alone = await portal.sequential(stack.api, pages, count)
    seconds = count * len(pages) / portal.PAGES_PER_S
    filed = max(1, round(seconds * load_per_s))
    people = customers(stack.database_url, filed)  # made before the clock starts
    latencies: list[Latencies] = []

    async def load() -> None:
        latencies.append(await paced(stack, filed, load_per_s, people))

    before, busy_before, started = stack.cpu_seconds(), _machine_busy_seconds(), time.perf_counter()
    under_load = await portal.paced(stack.api, pages, count, load)
    elapsed = time.perf_counter() - started
    cores = {name: (used - before[name]) / elapsed for name, used in stack.cpu_seconds().items()}
    cores["machine"] = (_machine_busy_seconds() - busy_before) / elapsed
    return PortalRun(alone, under_load, len(latencies[0].failed), cores)


def portal_figures(runs: list[PortalRun], load_per_s: float) -> dict[str, Any]:
    """Each page's p50 and p99, the median over the rounds, marked against the target."""
    median = statistics.median
    figures: dict[str, Any] = {
        "target_p99_ms": portal.TARGET_MS,
        "paced_pages_per_s": portal.PAGES_PER_S,
        "paced_load_per_s": load_per_s,
        "paced_load_failed_calls": median(run.load_failed for run in runs),
        "paced_cpu_cores": _median_by_key([run.paced_cores for run in runs]),
    }
    for name in runs[0].sequential:
        figures[name] = {}
        for how in ("sequential", "paced"):
            samples = [getattr(run, how)[name] for run in runs]
            p99 = median(percentile(sample, 0.99) for sample in samples)
            figures[name][how] = {
                "p50_ms": median(median(sample) for sample in samples),
                "p99_ms": p99,
                "target": "met" if p99 < portal.TARGET_MS else "not met",
            }
    return figures


def _cpu_seconds(pid: int) -> float:
    # utime and stime, fields 14 and 15 of /proc/<pid>/stat, counted after the command name.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_busy_seconds() -> float:
    """CPU time every process on the machine has used (all cores), from /proc/stat."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    # `signoff worker` is a console script: the worker is that process (no fork).
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


APPROVERS = {
    "customer": {"name": "Cus Approver", "email": "approver@bench.example.com"},
    "purchaser": {"name": "Pur Approver", "email": "approver@partner.example.com"},
}
APPROVALS_ASKED = {"purchaser-addition": 2, "purchaser-removal": 1}


def _forms(customer: BenchCustomer) -> dict[str, dict[str, Any]]:
    """One request of each kind, in an order that works on one customer."""
    return {
        "profile-change": {"legal": {"name": "History Ltd", "address": ADDRESS}},
        "contact-change": {
            "changes": [
                {
                    "op": "add",
                    "contact": {"first_name": "New", "last_name": "Comer", "email": "nc@b.example"},
                    "roles": ["technical"],
                }
            ]
        },
        "purchaser-addition": {
            "purchaser": {"name": "Partner Ltd", "address": ADDRESS},
            "responsibility": "financial",
            "contacts": [
                {
                    "first_name": "Pay",
                    "last_name": "Er",
                    "email": "payer@partner.example.com",
                    "roles": ["financial"],
                }
            ],
            "approvers": APPROVERS,
        },
        "purchaser-removal": {
            "role_assignments": [{"contact_id": customer.contact_id, "roles": ["financial"]}],
            "approver": APPROVERS["customer"],
        },
    }


async def history_events(stack: Stack) -> dict[str, int]:
    """Events in one history of each kind, from submission to implemented.

    Approvers approve through their emailed links; the service team implements once the
    request reached it and the requester's email about it arrived.
    """
    [customer] = customers(stack.database_url, 1)
    client = await Client.connect(stack.temporal, data_converter=pydantic_data_converter)
    counts: dict[str, int] = {}
    async with (
        httpx.AsyncClient(base_url=stack.api, timeout=60) as http,
        httpx.AsyncClient(base_url=stack.outbox, timeout=60) as outbox,
    ):
        for slug, form in _forms(customer).items():
            seen = max((message["id"] for message in await _messages(outbox)), default=0)
            filed = await http.post(
                f"/customers/{customer.id}/{slug}-requests", json=form, headers=customer.auth
            )
            if filed.status_code != 201:
                raise RuntimeError(f"{slug}: {filed.status_code} {filed.text}")
            request_id = filed.json()["id"]
            for link in await _approval_links(outbox, seen, APPROVALS_ASKED.get(slug, 0)):
                await http.post(link, data={"decision": "approve"})
            ticket = await _until_in_review(http, request_id)
            await _wait_for_mail(outbox, seen, ticket)
            done = await http.post(f"/requests/{request_id}/implement", headers=STAFF)
            if done.status_code not in (200, 202):
                raise RuntimeError(f"{slug}: implement answered {done.status_code} {done.text}")
            handle = client.get_workflow_handle(f"{slug}-{customer.id}")
            await handle.result()
            counts[slug.replace("-", "_")] = len((await handle.fetch_history()).events)
    return counts


async def _messages(outbox: httpx.AsyncClient) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = (await outbox.get("/api/messages")).json()
    return messages


async def _wait_for_mail(outbox: httpx.AsyncClient, after: int, ticket: str) -> None:
    """Until an email about the ticket has arrived since message ``after``."""
    for _ in range(600):
        if any(
            message["id"] > after and ticket in message["subject"] + (message["text"] or "")
            for message in await _messages(outbox)
        ):
            return
        await asyncio.sleep(0.05)
    raise RuntimeError(f"no email about ticket {ticket}")


async def _approval_links(outbox: httpx.AsyncClient, after: int, count: int) -> list[str]:
    """The approval links in emails since message ``after``, once ``count`` of them arrived."""
    if not count:
        return []
    for _ in range(600):
        links = {
            link
            for message in await _messages(outbox)
            if message["id"] > after
            for link in message["links"]
            if "/approvals/" in link
        }
        if len(links) >= count:
            return sorted(links)
        await asyncio.sleep(0.05)
    raise RuntimeError("the approval emails did not arrive")


async def _until_in_review(http: httpx.AsyncClient, request_id: str) -> str:
    """Wait until the request is with the service team; its ticket number."""
    for _ in range(600):
        request = (await http.get(f"/requests/{request_id}", headers=STAFF)).json()
        if request["status"] == "in_review" and request["ticket_number"]:
            return str(request["ticket_number"])
        await asyncio.sleep(0.05)
    raise RuntimeError(f"request {request_id} did not reach the service team")


def machine() -> dict[str, Any]:
    memory = next(
        line
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(int(memory.split()[1]) / 2**20, 1),
        "python": platform.python_version(),
        "system": platform.platform(),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    floors: list[FloorRun] = []
    unsandboxed: list[FloorRun] = []
    runs: list[SignoffRun] = []
    paced_runs: list[Latencies] = []
    paced_rates: list[float] = []
    scales: list[dict[str, float]] = []
    portal_runs: list[PortalRun] = []
    histories: dict[str, int] = {}
    for round_number in range(args.repeat):
        with embedded_stack(args.directory) as stack:
            customers(stack.database_url, 0, with_staff=True)
            print(f"round {round_number + 1}/{args.repeat}: floor", flush=True)
            floors.append(await floor(stack, args.requests, args.clients))
            unsandboxed.append(await floor(stack, args.requests, args.clients, sandboxed=False))
            print(f"round {round_number + 1}/{args.repeat}: signoff", flush=True)
            runs.append(await signoff(stack, args.requests, args.clients))
            rate = PACED_SHARE * runs[-1].per_s
            print(f"round {round_number + 1}/{args.repeat}: paced at {rate:.1f}/s", flush=True)
            paced_runs.append(await paced(stack, max(1, args.requests // 2), rate))
            paced_rates.append(rate)
            if not histories:
                histories = await history_events(stack)
            if args.open:
                print(
                    f"round {round_number + 1}/{args.repeat}: {args.open} open requests", flush=True
                )
                scales.append(await open_at_scale(stack, args.open, args.clients))
                print(f"round {round_number + 1}/{args.repeat}: portal pages", flush=True)
                portal_runs.append(await portal_pages(stack, args.pages, rate, args.tickets))
    median = statistics.median
    back_to_back = [run.latencies for run in runs]
    result: dict[str, Any] = {
        "machine": machine(),
        "settings": {
            "requests": args.requests,
            "clients": args.clients,
            "open": args.open,
            "repeat": args.repeat,
            "pages": args.pages,
            "tickets": args.tickets,
        },
        "floor_per_s": median(run.per_s for run in floors),
        "floor_unsandboxed_per_s": median(run.per_s for run in unsandboxed),
        "signoff_per_s": median(run.per_s for run in runs),
        "submit_p50_ms": median(median(run.submit_ms) for run in back_to_back),
        "submit_p95_ms": median(percentile(run.submit_ms, 0.95) for run in back_to_back),
        "submit_p99_ms": median(percentile(run.submit_ms, 0.99) for run in back_to_back),
        "implement_p50_ms": median(median(run.implement_ms) for run in back_to_back),
        "implement_p95_ms": median(percentile(run.implement_ms, 0.95) for run in back_to_back),
        "implement_p99_ms": median(percentile(run.implement_ms, 0.99) for run in back_to_back),
        "implement_to_visible_p50_ms": median(median(run.visible_ms) for run in back_to_back),
        "paced_per_s": median(paced_rates),
        "paced_submit_p50_ms": median(median(run.submit_ms) for run in paced_runs),
        "paced_submit_p99_ms": median(percentile(run.submit_ms, 0.99) for run in paced_runs),
        "paced_implement_p50_ms": median(median(run.implement_ms) for run in paced_runs),
        "paced_implement_p99_ms": median(percentile(run.implement_ms, 0.99) for run in paced_runs),
        "paced_failed_calls": median(len(run.failed) for run in paced_runs),
        "signoff_failed_calls": median(len(run.failed) for run in back_to_back),
        "history_events": histories,
        "cpu_ms_per_request": {
            "floor": _median_by_key([run.cpu_ms for run in floors]),
            "signoff": _median_by_key([run.cpu_ms for run in runs]),
        },
    }
    result["ratio"] = result["signoff_per_s"] / result["floor_per_s"]
    if scales:
        for key in scales[0]:
            result[key] = median(scale[key] for scale in scales)
        # The key is for the default 10,000; other sizes say theirs.
        size = "10k" if args.open == 10_000 else str(args.open)
        result[f"worker_rss_mb_{size}_open"] = result.pop("worker_rss_mb")
        result["portal"] = portal_figures(portal_runs, median(paced_rates))
    return result


def _median_by_key(figures: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(figure[key] for figure in figures) for key in figures[0]}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--open", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pages", type=int, default=200, help="GETs of each portal page")
    parser.add_argument(
        "--tickets", type=int, default=10_000, help="tickets in the lists the pages time"
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    parser.add_argument("--directory", type=Path, default=ROOT / "var" / "bench")
    args = parser.parse_args()
    # Stopped with SIGTERM as with Ctrl-C: the stack's processes are stopped too.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    # On uvloop, like the worker: the floor's worker runs in this process.
    result = uvloop.run(run(args))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    width = max(len(key) for key in result)
    for key, value in result.items():
        if key == "portal":
            continue
        shown = f"{value:.2f}" if isinstance(value, float) else json.dumps(value)
        print(f"{key:<{width}}  {shown}")
    if "portal" in result:
        _print_portal(result["portal"])


def _print_portal(figures: dict[str, Any]) -> None:
    print(
        f"portal pages, {figures['target_p99_ms']:.0f} ms p99 target; paced: "
        f"{figures['paced_pages_per_s']:.0f} pages/s with profile changes at "
        f"{figures['paced_load_per_s']:.1f}/s ({figures['paced_load_failed_calls']} failed)"
    )
    cores = ", ".join(f"{name} {used:.2f}" for name, used in figures["paced_cpu_cores"].items())
    print(f"cores busy during the paced run (of {os.cpu_count()}): {cores}")
    print(f"{'page':<10}  {'how':<10}  {'p50 ms':>8}  {'p99 ms':>8}  target")
    for name, timings in figures.items():
        if not isinstance(timings, dict) or name == "paced_cpu_cores":
            continue
        for how, figure in timings.items():
            print(
                f"{name:<10}  {how:<10}  {figure['p50_ms']:>8.1f}  {figure['p99_ms']:>8.1f}  "
                f"{figure['target']}"
            )


if __name__ == "__main__":
    main()
