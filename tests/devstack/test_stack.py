import socket
import subprocess
import sys
import time
from collections.abc import Iterator
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
