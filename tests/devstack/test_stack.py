import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from devstack import stack
from devstack.stack import (
    DemoData,
    Ports,
    StopSignals,
    Supervisor,
    child_environment,
    format_banner,
    temporal_command,
)

DEMO = DemoData.model_validate(
    {
        "customers": [
            {
                "id": "c-1",
                "name": "Example Energy plc",
                "contacts": [
                    {
                        "id": "p-1",
                        "name": "Ursula Ser",
                        "email": "ursula@example.com",
                        "roles": ["agreement"],
                        "token": "so_demo_ursula",
                    },
                    {
                        "id": "p-2",
                        "name": "Derek Emonstration",
                        "email": "derek@example.com",
                        "roles": ["management", "cust_admin"],
                        "token": "so_demo_derek",
                    },
                ],
            }
        ],
        "staff": [
            {"id": "s-1", "name": "Sam Service", "email": "sam@example.com", "token": "so_demo_sam"}
        ],
    }
)
STACK_START_SECONDS = 120.0


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for probe in sockets:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in sockets]
    finally:
        for probe in sockets:
            probe.close()


@pytest.fixture
def supervisor() -> Iterator[Supervisor]:
    running = Supervisor(StopSignals())
    yield running
    running.stop_all()


def test_child_environment_keeps_what_the_user_set() -> None:
    ports = Ports(api=9000, smtp=2525, temporal=7300)

    environment = child_environment(ports, {"SIGNOFF_SMTP_PORT": "1999", "HOME": "/home/dev"})

    assert environment["SIGNOFF_SMTP_PORT"] == "1999"
    assert environment["SIGNOFF_TEMPORAL_ADDRESS"] == "127.0.0.1:7300"
    assert environment["SIGNOFF_SMTP_HOST"] == "127.0.0.1"
    assert environment["SIGNOFF_PUBLIC_URL"] == "http://localhost:9000"
    assert environment["HOME"] == "/home/dev"


def test_temporal_command_registers_search_attributes_and_uses_wal() -> None:
    command = " ".join(temporal_command(Path("temporal"), Ports(temporal=7300, ui=8300)))

    for name in ("CustomerId", "RequestKind", "RequestStatus", "TicketNumber"):
        assert f"--search-attribute {name}=Keyword" in command
    assert "--port 7300 --ui-port 8300" in command
    assert "--sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal" in command


def test_banner_lists_services_users_and_a_curl_example() -> None:
    banner = format_banner(Ports(), DEMO, {"SIGNOFF_SMTP_PORT": "1999"})

    for expected in (
        "http://localhost:8000/docs",
        "http://localhost:8233",
        "http://localhost:8025",
        "localhost:1025",
        "127.0.0.1:7233",
        "SIGNOFF_SMTP_PORT=1999",
        "roles: management, cust_admin",
        "so_demo_sam",
        'curl -H "Authorization: Bearer so_demo_derek" http://localhost:8000/customers/c-1',
    ):
        assert expected in banner


def test_banner_leads_with_the_portal_and_the_outbox_its_sign_in_links_arrive_in() -> None:
    lines = format_banner(Ports(api=9000, outbox=9025), DEMO, {}).splitlines()

    assert lines[1:3] == ["Portal: http://localhost:9000/", "Outbox: http://localhost:9025"]
    assert "sign-in link arrives in" in lines[3]
    assert "    Derek Emonstration <derek@example.com>  roles: management, cust_admin" in lines


def test_banner_points_at_the_public_url_set_instead() -> None:
    overrides = {"SIGNOFF_PUBLIC_URL": "https://signoff.dev.example"}

    assert "Portal: https://signoff.dev.example/" in format_banner(Ports(), DEMO, overrides)


def test_children_output_is_prefixed(
    supervisor: Supervisor, capsys: pytest.CaptureFixture[str]
) -> None:
    child = supervisor.start("echo", [sys.executable, "-c", "print('hello')"], {})
    child.process.wait(timeout=10)

    supervisor.stop_all()

    assert "echo | hello" in capsys.readouterr().out


def test_stop_kills_a_child_group_that_ignores_sigterm(
    supervisor: Supervisor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stack, "STOP_GRACE_SECONDS", 0.5)
    stubborn = (
        "import signal, subprocess, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "open(sys.argv[1], 'w').close()\n"
        "time.sleep(60)\n"
    )
    ready = tmp_path / "ready"
    child = supervisor.start("stubborn", [sys.executable, "-c", stubborn, str(ready)], {})
    group = child.process.pid
    deadline = time.monotonic() + 10
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.05)

    supervisor.stop_all()

    assert child.process.returncode == -9
    members = subprocess.run(["pgrep", "-g", str(group)], capture_output=True, check=False)
    assert members.stdout.split() == [] or _only_zombies(members.stdout.split())


def _only_zombies(pids: list[bytes]) -> bool:
    return all(
        Path(f"/proc/{pid.decode()}/stat").read_text().split()[2] == "Z"
        for pid in pids
        if Path(f"/proc/{pid.decode()}").exists()
    )


def test_temporal_restarts_on_an_existing_database(
    supervisor: Supervisor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    temporal_port, ui_port = free_ports(2)
    ports = Ports(temporal=temporal_port, ui=ui_port)
    temporal = Path(sys.executable).parent / "temporal"
    signals = StopSignals()
    (tmp_path / "var").mkdir()

    for _ in range(2):
        stack.start_temporal(supervisor, temporal, ports, {}, signals)
        supervisor.stop_all()

    assert (tmp_path / "var" / "temporal.db").exists()


@dataclass
class DevStacks:
    """``signoff dev`` as real processes in one directory, and the children they started."""

    directory: Path
    supervisors: list[subprocess.Popen[bytes]] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)

    def start(self, ports: Ports) -> subprocess.Popen[bytes]:
        """Start the stack on ``ports``; return once its banner is out."""
        log_path = self.directory / f"dev-{len(self.supervisors)}.log"
        # The stack's own services only, whatever the environment running the tests sets.
        environment = {k: v for k, v in os.environ.items() if not k.startswith("SIGNOFF_")}
        command = [str(Path(sys.executable).parent / "signoff"), "dev"]
        command += ["--api-port", str(ports.api), "--smtp-port", str(ports.smtp)]
        command += ["--outbox-port", str(ports.outbox), "--temporal-port", str(ports.temporal)]
        command += ["--ui-port", str(ports.ui)]
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command,
                cwd=self.directory,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        self.supervisors.append(process)
        deadline = time.monotonic() + STACK_START_SECONDS
        while "Ctrl-C stops." not in log_path.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"signoff dev did not come up:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.2)
        return process

    def children(self, supervisor: subprocess.Popen[bytes]) -> list[int]:
        command = ["pgrep", "-P", str(supervisor.pid)]
        found = subprocess.run(command, capture_output=True, check=False)
        pids = [int(pid) for pid in found.stdout.split()]
        self.groups += pids  # each child leads a process group of its own
        return pids

    def kill_leftovers(self) -> None:
        """Whatever still runs once the test failed, so that it does not outlive the suite."""
        for supervisor in self.supervisors:
            if supervisor.poll() is None:
                supervisor.kill()
                supervisor.wait()
        for group in self.groups:
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)


@pytest.fixture
def dev_stacks(tmp_path: Path) -> Iterator[DevStacks]:
    running = DevStacks(tmp_path)
    yield running
    running.kill_leftovers()


def group_gone(group: int) -> bool:
    """No process of the group (the child and whatever it started) is left but zombies."""
    found = subprocess.run(["pgrep", "-g", str(group)], capture_output=True, check=False)
    return all(_gone(int(pid)) for pid in found.stdout.split())


def _gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in {"Z", "X"}


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        # As the servers bind: a connection left in TIME_WAIT does not make the port busy.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def eventually(check: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_children_die_with_a_killed_supervisor_and_the_stack_starts_again(
    dev_stacks: DevStacks,
) -> None:
    ports = Ports(*free_ports(5))
    first = dev_stacks.start(ports)
    children = dev_stacks.children(first)
    assert len(children) == 4, f"expected temporal, mailcatcher, worker and API: {children}"

    first.kill()
    first.wait(timeout=10)

    assert eventually(lambda: all(group_gone(child) for child in children)), (
        f"still running: {[pid for pid in children if not group_gone(pid)]}"
    )
    assert eventually(lambda: all(port_free(port) for port in ports.named().values()))
    second = dev_stacks.start(ports)
    children = dev_stacks.children(second)
    second.terminate()
    assert second.wait(timeout=60) == 0
    assert all(group_gone(child) for child in children)
