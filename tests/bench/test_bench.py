"""`make bench` runs end to end: a tiny run of every measurement gives every figure."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One tiny run, shared by the tests: its results and its printed table.

    Made once under pytest-xdist too: the module goes whole to one worker (``ONE_WORKER``)."""
    tmp_path = tmp_path_factory.mktemp("bench")
    output = tmp_path / "latest.json"
    command = [sys.executable, "-m", "bench.run", "--requests", "6", "--clients", "3"]
    command += ["--open", "6", "--repeat", "1", "--pages", "10", "--tickets", "60"]
    command += ["--output", str(output)]
    command += ["--directory", str(tmp_path / "stack")]
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-3000:]
    return {"result": json.loads(output.read_text()), "stdout": finished.stdout}


def test_a_tiny_run_gives_every_figure(tiny: dict[str, Any]) -> None:
    result = tiny["result"]
    assert result["floor_per_s"] > 0 and result["signoff_per_s"] > 0
    assert result["ratio"] == result["signoff_per_s"] / result["floor_per_s"]
    assert result["signoff_failed_calls"] == 0 and result["paced_failed_calls"] == 0
    assert result["open_submissions_failed"] == 0
    for key in ("submit_p99_ms", "implement_p99_ms", "worker_rss_mb_6_open", "database_mb"):
        assert result[key] > 0, key
    assert set(result["history_events"]) == {
        "profile_change",
        "contact_change",
        "purchaser_addition",
        "purchaser_removal",
    }
    assert all(events > 0 for events in result["history_events"].values())
    assert set(result["cpu_ms_per_request"]["signoff"]) >= {"temporal", "worker", "api"}
    assert result["machine"]["cores"] >= 1
    assert "signoff_per_s" in tiny["stdout"], "the table is printed too"


def test_the_portal_pages_are_timed(tiny: dict[str, Any]) -> None:
    result, stdout = tiny["result"], tiny["stdout"]
    portal = result["portal"]
    assert portal["target_p99_ms"] == 50
    assert portal["paced_load_per_s"] == result["paced_per_s"] > 0
    assert portal["paced_pages_per_s"] > 0 and portal["paced_load_failed_calls"] == 0
    assert result["settings"]["tickets"] == 60
    for page in ("profile", "request", "contacts", "queue", "tickets", "tickets_due"):
        for how in ("sequential", "paced"):
            figure = portal[page][how]
            assert 0 < figure["p50_ms"] <= figure["p99_ms"], (page, how)
            assert figure["target"] == ("met" if figure["p99_ms"] < 50 else "not met")
    assert "portal pages" in stdout and "contacts" in stdout, "and printed"
