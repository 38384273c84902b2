"""Run the whole development stack (Temporal, mail catcher, worker, API) as child processes."""

from __future__ import annotations

import http.client
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO

from pydantic import BaseModel, ValidationError

from devstack.parent_death import die_with_this_process
from devstack.temporal import dev_server_command

VAR_DIR = Path("var")
TEMPORAL_LOG = VAR_DIR / "temporal.log"
STARTUP_TIMEOUT_SECONDS = 30.0
STEP_TIMEOUT_SECONDS = 120.0
HEALTH_CHECK_TIMEOUT_SECONDS = 5.0
STOP_GRACE_SECONDS = 10.0
POLL_SECONDS = 0.2
ERROR_OUTPUT_LINES = 40
CURL_EXAMPLE_USER = "derek"
# SIGHUP as well: the children live in their own process groups, so a closed terminal would
# otherwise leave them running.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

_NAME_WIDTH = 11
_SHELL_SAFE = re.compile(r"[A-Za-z0-9._~+/=-]+")


class StackError(Exception):
    """The stack could not start or stopped working; the message says why."""


class _StopRequested(Exception):
    """A stop signal arrived while the stack was still starting."""


@dataclass(frozen=True, slots=True)
class Ports:
    api: int = 8000
    smtp: int = 1025
    outbox: int = 8025
    temporal: int = 7233
    ui: int = 8233

    def named(self) -> dict[str, int]:
        return {
            "API": self.api,
            "SMTP": self.smtp,
            "Outbox": self.outbox,
            "Temporal gRPC": self.temporal,
            "Temporal UI": self.ui,
        }


class DemoContact(BaseModel):
    id: int | str
    name: str
    email: str
    roles: list[str]
    token: str


class DemoCustomer(BaseModel):
    id: int | str
    name: str
    contacts: list[DemoContact]


class DemoStaff(BaseModel):
    id: int | str
    name: str
    email: str
    token: str


class DemoData(BaseModel):
    customers: list[DemoCustomer]
    staff: list[DemoStaff]


def run_dev_stack(
    api_port: int = 8000,
    smtp_port: int = 1025,
    outbox_port: int = 8025,
    temporal_port: int = 7233,
    ui_port: int = 8233,
) -> int:
    """Run the development stack until Ctrl-C or SIGTERM; return the process exit code."""
    ports = Ports(api_port, smtp_port, outbox_port, temporal_port, ui_port)
    environment = child_environment(ports, os.environ)
    with _stop_signals() as signals:
        supervisor = Supervisor(signals)
        try:
            demo = _start_stack(supervisor, ports, environment, signals)
            supervisor.announce(format_banner(ports, demo, _overridden_settings(ports, os.environ)))
            return _supervise(supervisor, signals)
        except _StopRequested:
            return 0
        except StackError as error:
            print(f"\nsignoff dev: {error}", file=sys.stderr, flush=True)
            return 1
        finally:
            supervisor.stop_all()


def stack_settings(ports: Ports) -> dict[str, str]:
    """The settings that point the worker and the API at the stack's own services."""
    return {
        "SIGNOFF_TEMPORAL_ADDRESS": f"127.0.0.1:{ports.temporal}",
        "SIGNOFF_SMTP_HOST": "127.0.0.1",
        "SIGNOFF_SMTP_PORT": str(ports.smtp),
        "SIGNOFF_PUBLIC_URL": f"http://localhost:{ports.api}",
    }


def child_environment(ports: Ports, base: Mapping[str, str]) -> dict[str, str]:
    """``base`` plus the stack's settings, which never override what the user set."""
    environment = dict(base)
    for name, value in stack_settings(ports).items():
        environment.setdefault(name, value)
    # Children write to pipes; without this their output would arrive in late blocks.
    environment.setdefault("PYTHONUNBUFFERED", "1")
    return environment


def temporal_command(temporal: Path, ports: Ports) -> list[str]:
    return dev_server_command(temporal, ports.temporal, VAR_DIR / "temporal.db", ports.ui)


@dataclass(slots=True)
class Child:
    name: str
    process: subprocess.Popen[bytes]
    relay: threading.Thread | None = None


class Supervisor:
    """Starts children in their own process groups and stops them in reverse order.

    The children die with the supervisor if it is killed before it could stop them.
    """

    def __init__(self, signals: StopSignals) -> None:
        self.children: list[Child] = []
        self._signals = signals
        self._print_lock = threading.Lock()

    def start(
        self,
        name: str,
        command: Sequence[str],
        environment: Mapping[str, str],
        log_path: Path | None = None,
    ) -> Child:
        """Start ``command``; its output goes to ``log_path`` or, prefixed, to our stdout."""
        if log_path is None:
            process = _spawn(command, environment, subprocess.PIPE)
            child = Child(name, process)
            child.relay = self._relay_output(child)
        else:
            with log_path.open("ab") as log:
                process = _spawn(command, environment, log)
            child = Child(name, process)
        self.children.append(child)
        return child

    def announce(self, text: str) -> None:
        """Print to stdout without interleaving with the children's lines."""
        with self._print_lock:
            print(text, flush=True)

    def first_exited(self) -> Child | None:
        return next((child for child in self.children if child.process.poll() is not None), None)

    def stop_all(self) -> None:
        running = [child for child in self.children if child.process.poll() is None]
        if running:
            self.announce(f"Stopping {', '.join(child.name for child in reversed(running))}…")
        for child in reversed(self.children):
            self._stop(child)
        for child in self.children:
            if child.relay is not None:
                child.relay.join(timeout=2)
        self.children.clear()
        if running:
            self.announce("Stopped.")

    def _stop(self, child: Child) -> None:
        # The whole group, so that anything the child started itself goes too.
        _signal_group(child.process, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        while time.monotonic() < deadline and not self._signals.force.is_set():
            with suppress(subprocess.TimeoutExpired):
                child.process.wait(timeout=POLL_SECONDS)
                return
        if child.process.poll() is None:
            print(f"{child.name} is still running; killing it", file=sys.stderr, flush=True)
        _signal_group(child.process, signal.SIGKILL)
        child.process.wait()

    def _relay_output(self, child: Child) -> threading.Thread:
        stream = child.process.stdout
        assert stream is not None
        relay = threading.Thread(
            target=self._print_lines,
            args=(child.name, stream),
            name=f"relay-{child.name}",
            daemon=True,
        )
        relay.start()
        return relay

    def _print_lines(self, name: str, stream: IO[bytes]) -> None:
        with stream:
            for raw in iter(stream.readline, b""):
                line = raw.decode(errors="replace").rstrip()
                with self._print_lock:
                    print(f"{name:>{_NAME_WIDTH}} | {line}", flush=True)


def _spawn(
    command: Sequence[str], environment: Mapping[str, str], output: int | IO[bytes]
) -> subprocess.Popen[bytes]:
    # A process group of its own: Ctrl-C in the terminal reaches only us, and we decide the
    # order in which children stop. The parent-death signal covers what we cannot decide: a
    # SIGKILL of ours would otherwise leave them holding the ports.
    return subprocess.Popen(
        list(command),
        env=dict(environment),
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=subprocess.STDOUT,
        process_group=0,
        preexec_fn=die_with_this_process(),
    )


def _signal_group(process: subprocess.Popen[bytes], signum: signal.Signals) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


class StopSignals:
    """SIGINT, SIGTERM and SIGHUP as events; a second signal asks to stop without waiting."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.force = threading.Event()

    def handle(self, signum: int, frame: FrameType | None) -> None:
        if self.stop.is_set():
            self.force.set()
        self.stop.set()


@contextmanager
def _stop_signals() -> Iterator[StopSignals]:
    signals = StopSignals()
    previous = {signum: signal.signal(signum, signals.handle) for signum in STOP_SIGNALS}
    try:
        yield signals
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _start_stack(
    supervisor: Supervisor, ports: Ports, environment: Mapping[str, str], signals: StopSignals
) -> DemoData:
    signoff, temporal = _executable("signoff"), _executable("temporal")
    _check_ports(ports)
    VAR_DIR.mkdir(exist_ok=True)
    supervisor.announce("Upgrading the database…")
    _run_step([str(signoff), "db", "upgrade"], environment, signals)
    start_temporal(supervisor, temporal, ports, environment, signals)
    _start_services(supervisor, signoff, ports, environment)
    _wait_until(
        lambda: _port_open(ports.smtp),
        f"the mail catcher on port {ports.smtp}",
        supervisor,
        signals,
    )
    api_docs = f"http://127.0.0.1:{ports.api}/docs"
    _wait_until(lambda: _answers_ok(api_docs), f"the API to answer {api_docs}", supervisor, signals)
    return _load_demo_data(signoff, environment, signals)


def _executable(name: str) -> Path:
    path = Path(sys.executable).parent / name
    if not path.is_file():
        raise StackError(
            f"{name!r} is not installed next to this Python ({path.parent}); "
            "install the project with its dependencies into this environment"
        )
    return path


def _check_ports(ports: Ports) -> None:
    named = ports.named()
    if len(set(named.values())) != len(named):
        raise StackError(f"the stack needs five different ports, got {named}")
    busy = [f"{port} ({name})" for name, port in named.items() if not _port_free(port)]
    if busy:
        raise StackError(
            f"port(s) already in use on 127.0.0.1: {', '.join(busy)}; "
            "stop what is using them or choose other ports"
        )


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # Like the servers themselves, so that connections in TIME_WAIT do not count as busy.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return True
    except OSError:
        return False


def _answers_ok(url: str) -> bool:
    # No proxy: a proxy configured in the environment would not reach our own loopback.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=2.0) as response:
            return int(response.status) == 200
    except (OSError, http.client.HTTPException):
        return False


def _run_step(command: Sequence[str], environment: Mapping[str, str], signals: StopSignals) -> str:
    """Run a one-off command to completion and return its stdout; fail with its output."""
    process = subprocess.Popen(
        list(command),
        env=dict(environment),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        process_group=0,
        preexec_fn=die_with_this_process(),
    )
    deadline = time.monotonic() + STEP_TIMEOUT_SECONDS
    while True:
        try:
            stdout, stderr = process.communicate(timeout=POLL_SECONDS)
            break
        except subprocess.TimeoutExpired:
            if signals.stop.is_set() or time.monotonic() >= deadline:
                _end_step(process)
                if signals.stop.is_set():
                    raise _StopRequested from None
                raise StackError(
                    f"`{_display(command)}` did not finish within {STEP_TIMEOUT_SECONDS:g} s"
                ) from None
    if process.returncode != 0:
        output = _last_lines((stderr or stdout).decode(errors="replace"))
        raise StackError(
            f"`{_display(command)}` failed ({_describe_exit(process.returncode)}):\n{output}"
        )
    return stdout.decode(errors="replace")


def _end_step(process: subprocess.Popen[bytes]) -> None:
    _signal_group(process, signal.SIGTERM)
    try:
        process.communicate(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        _signal_group(process, signal.SIGKILL)
        process.communicate()


def start_temporal(
    supervisor: Supervisor,
    temporal: Path,
    ports: Ports,
    environment: Mapping[str, str],
    signals: StopSignals,
) -> None:
    supervisor.announce(f"Starting Temporal (log: {TEMPORAL_LOG})…")
    log_start = TEMPORAL_LOG.stat().st_size if TEMPORAL_LOG.exists() else 0
    supervisor.start("temporal", temporal_command(temporal, ports), environment, TEMPORAL_LOG)
    address = f"127.0.0.1:{ports.temporal}"
    try:
        _wait_until(
            lambda: _port_open(ports.temporal) and _temporal_healthy(temporal, address),
            f"Temporal to report healthy on {address}",
            supervisor,
            signals,
        )
    except StackError as error:
        log = _last_lines(_read_from(TEMPORAL_LOG, log_start)) or "(nothing)"
        raise StackError(f"{error}\nTemporal's log since start:\n{log}") from None


def _temporal_healthy(temporal: Path, address: str) -> bool:
    command = [str(temporal), "operator", "cluster", "health", "--address", address]
    try:
        result = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=HEALTH_CHECK_TIMEOUT_SECONDS,
            check=False,
            process_group=0,
            preexec_fn=die_with_this_process(),
        )
    except subprocess.TimeoutExpired:
        return False
    return result.returncode == 0


def _read_from(path: Path, offset: int) -> str:
    try:
        with path.open("rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")
    except OSError:
        return ""


def _start_services(
    supervisor: Supervisor, signoff: Path, ports: Ports, environment: Mapping[str, str]
) -> None:
    supervisor.announce("Starting the mail catcher, the worker and the API…")
    mailcatcher = ["mailcatcher", "--smtp-port", str(ports.smtp), "--http-port", str(ports.outbox)]
    supervisor.start("mailcatcher", [str(signoff), *mailcatcher], environment)
    supervisor.start("worker", [str(signoff), "worker"], environment)
    supervisor.start("api", [str(signoff), "api", "--port", str(ports.api)], environment)


def _wait_until(
    check: Callable[[], bool],
    what: str,
    supervisor: Supervisor,
    signals: StopSignals,
    timeout: float = STARTUP_TIMEOUT_SECONDS,
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if signals.stop.is_set():
            raise _StopRequested
        exited = supervisor.first_exited()
        if exited is not None:
            raise StackError(
                f"{exited.name} {_describe_exit(exited.process.returncode)} "
                f"while waiting for {what}"
            )
        if check():
            return
        if time.monotonic() >= deadline:
            raise StackError(f"gave up after {timeout:g} s waiting for {what}")
        signals.stop.wait(POLL_SECONDS)


def _load_demo_data(
    signoff: Path, environment: Mapping[str, str], signals: StopSignals
) -> DemoData:
    command = [str(signoff), "demo-data", "--json"]
    output = _run_step(command, environment, signals)
    try:
        return DemoData.model_validate_json(output)
    except ValidationError as error:
        raise StackError(
            f"`{_display(command)}` printed something other than the expected JSON:\n"
            f"{error}\n--- output ---\n{output[:2000]}"
        ) from None


def _supervise(supervisor: Supervisor, signals: StopSignals) -> int:
    while not signals.stop.wait(POLL_SECONDS):
        exited = supervisor.first_exited()
        if exited is not None:
            print(
                f"\nsignoff dev: {exited.name} {_describe_exit(exited.process.returncode)} "
                "unexpectedly; stopping the stack",
                file=sys.stderr,
                flush=True,
            )
            return 1
    return 0


def _describe_exit(returncode: int | None) -> str:
    if returncode is None:
        return "is still running"
    if returncode < 0:
        with suppress(ValueError):
            return f"was killed by {signal.Signals(-returncode).name}"
    return f"exited with code {returncode}"


def _last_lines(text: str, count: int = ERROR_OUTPUT_LINES) -> str:
    lines = text.strip().splitlines()
    if len(lines) <= count:
        return "\n".join(lines)
    return "\n".join([f"… ({len(lines) - count} earlier lines omitted)", *lines[-count:]])


def _display(command: Sequence[str]) -> str:
    return shlex.join([Path(command[0]).name, *command[1:]])


def _overridden_settings(ports: Ports, environment: Mapping[str, str]) -> dict[str, str]:
    return {
        name: environment[name]
        for name, value in stack_settings(ports).items()
        if name in environment and environment[name] != value
    }


def format_banner(ports: Ports, demo: DemoData, overrides: Mapping[str, str]) -> str:
    """Everything a developer needs once the stack is up: addresses, demo users, an example."""
    rule = "─" * 72
    lines = [rule, *_portal_lines(ports, overrides), "", "Signoff development stack is running:"]
    lines += _service_lines(ports)
    lines += _override_lines(overrides)
    lines += _demo_user_lines(demo)
    lines += _curl_lines(ports, demo)
    lines += ["", f"Temporal logs to {TEMPORAL_LOG}; the other services below. Ctrl-C stops.", rule]
    return "\n".join(lines)


def _portal_lines(ports: Ports, overrides: Mapping[str, str]) -> list[str]:
    # Where the sign-in links point: a session begun on another host name would not carry
    # over, and the portal's forms refuse other origins.
    public_url = overrides.get("SIGNOFF_PUBLIC_URL", stack_settings(ports)["SIGNOFF_PUBLIC_URL"])
    return [
        f"Portal: {public_url.rstrip('/')}/",
        f"Outbox: http://localhost:{ports.outbox}",
        "  Sign in to the portal with a demo user's email (below): the sign-in link arrives in",
        "  the outbox, with every other email sent.",
    ]


def _service_lines(ports: Ports) -> list[str]:
    api = f"http://localhost:{ports.api}"
    services = [
        ("API", api),
        ("Swagger UI", f"{api}/docs"),
        ("Temporal UI", f"http://localhost:{ports.ui}"),
        ("SMTP", f"localhost:{ports.smtp}"),
        ("Temporal gRPC", f"127.0.0.1:{ports.temporal}"),
    ]
    return [f"  {label:<14} {value}" for label, value in services]


def _override_lines(overrides: Mapping[str, str]) -> list[str]:
    if not overrides:
        return []
    lines = ["", "From your environment (instead of the stack's own services):"]
    return lines + [f"  {name}={value}" for name, value in overrides.items()]


def _demo_user_lines(demo: DemoData) -> list[str]:
    lines = ["", "Demo users (the token for curl, as 'Authorization: Bearer <token>'):"]
    for customer in demo.customers:
        lines.append(f"  {customer.name} (customer id {customer.id})")
        for contact in customer.contacts:
            roles = ", ".join(contact.roles) or "no roles"
            lines.append(f"    {contact.name} <{contact.email}>  roles: {roles}")
            lines.append(f"      token: {contact.token}")
    if demo.staff:
        lines.append("  Service team")
        for member in demo.staff:
            lines.append(f"    {member.name} <{member.email}>")
            lines.append(f"      token: {member.token}")
    return lines


def _curl_lines(ports: Ports, demo: DemoData) -> list[str]:
    example = _curl_example_contact(demo)
    if example is None:
        return []
    customer, contact = example
    header = f"Authorization: Bearer {contact.token}"
    quoted = f'"{header}"' if _SHELL_SAFE.fullmatch(contact.token) else shlex.quote(header)
    url = f"http://localhost:{ports.api}/customers/{customer.id}"
    return ["", f"Try it (as {contact.name}):", f"  curl -H {quoted} {url}"]


def _curl_example_contact(demo: DemoData) -> tuple[DemoCustomer, DemoContact] | None:
    pairs = [(customer, contact) for customer in demo.customers for contact in customer.contacts]
    preferred = [pair for pair in pairs if CURL_EXAMPLE_USER in pair[1].name.lower().split()]
    candidates = preferred or pairs
    return candidates[0] if candidates else None
