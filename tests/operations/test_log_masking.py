"""No token of any kind reaches a log line: the API's access log masks link tokens."""

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from models.failed_attempt import FailedAttempt
from tests.conftest import PUBLIC_URL, Stack, _environment
from tests.e2e.purchaser import approval_links, filed_addition, token_of
from tests.faults.processes import free_port, stop_process


def _api_process(port: int, environment: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """``signoff api`` as operators run it, its log written to ``log_path``."""
    signoff = Path(sys.executable).parent / "signoff"
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [str(signoff), "api", "--port", str(port)], env=environment, stdout=log, stderr=log
        )


async def _started(api: httpx.AsyncClient) -> None:
    for _ in range(300):
        try:
            if (await api.get("/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.05)
    raise TimeoutError("the API process did not start")


@pytest.mark.parametrize("log_json", [False, True], ids=["plain", "json"])
async def test_links_and_tokens_are_masked_in_the_api_log(
    stack: Stack, tmp_path: Path, log_json: bool
) -> None:
    addition = await filed_addition(stack)
    links = await approval_links(stack)
    port = free_port()
    log_path = tmp_path / "api.log"
    environment = {
        **os.environ,
        **_environment(stack.settings),
        "SIGNOFF_LOG_JSON": "1" if log_json else "0",
    }
    process = _api_process(port, environment, log_path)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as api:
            await _started(api)
            for side in ("customer", "purchaser"):
                assert (await api.get(links[side])).status_code == 200
                asked = await api.post(f"{links[side]}/comments", data={"comment": "Why?"})
                assert asked.status_code == 303
                decided = await api.post(links[side], data={"decision": "approve"})
                assert decided.status_code == 200
            await stack.wait_for_request(addition["id"], lambda r: r["status"] == "in_review")
            done = await stack.http.post(
                f"/requests/{addition['id']}/implement", headers=stack.auth("Sam")
            )
            assert done.status_code == 200
            welcome = await stack.wait_for_mail(lambda m: "Welcome" in m.subject)
            activate = next(u for u in welcome.links if "/activate/" in u).removeprefix(PUBLIC_URL)
            assert (await api.get(activate)).status_code == 200
            activated = await api.post(activate, headers={"Accept": "application/json"})
            api_token = activated.json()["token"]
            mine = await api.get("/tickets", headers={"Authorization": f"Bearer {api_token}"})
            assert mine.status_code == 200
            assert (await api.get(f"{activate}x")).status_code == 404
            asked = await api.post(
                "/portal/sign-in", data={"email": "derek.emonstration@energy.example.com"}
            )
            assert asked.status_code == 200
            signing = await stack.wait_for_mail(lambda m: "sign-in link" in m.subject)
            sign_in = next(u for u in signing.links if "/portal/sign-in/" in u)
            sign_in = sign_in.removeprefix(PUBLIC_URL).split("?")[0]
            assert (await api.get(sign_in)).status_code == 200
            assert (await api.post(sign_in)).status_code == 303
            # Served as operators serve it, a forwarded header from an untrusted peer is
            # ignored: the failure counts against the connection's own address.
            forged = {"Authorization": "Bearer so_bad", "X-Forwarded-For": "203.0.113.9"}
            assert (await api.get("/tickets", headers=forged)).status_code == 401
    finally:
        await stop_process(process)

    logged = log_path.read_text()
    secrets = [token_of(links["customer"]), token_of(links["purchaser"]), api_token]
    secrets += [activate.rsplit("/", 1)[1], sign_in.rsplit("/", 1)[1]]
    assert [secret for secret in secrets if secret in logged] == []
    # The lines are there, masked: the access log was written.
    access = re.findall(r"(GET|POST) (/(?:approvals|activate|portal/sign-in)/[^ \"]*)", logged)
    assert {path for _, path in access} >= {
        "/approvals/***",
        "/approvals/***/comments",
        "/activate/***",
        "/portal/sign-in/***",
    }, logged[-2000:]
    assert "/tickets" in logged
    async with stack.sessions() as session:
        clients = set(await session.exec(select(FailedAttempt.client)))
    assert clients == {"127.0.0.1"}
