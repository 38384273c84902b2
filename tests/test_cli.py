"""``signoff staff add``, run as the command it is: the first team admin of a fresh database,
a deactivated member brought back, a contact's email refused."""

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from models.database import create_db_engine, session_factory
from models.enums import UserState
from models.user import User
from tests.conftest import PUBLIC_URL, SECRET_KEY, Stack, _environment
from tests.portal.test_sign_in import browser, derek, sign_in

SIGNOFF = Path(sys.executable).parent / "signoff"
ALICE = "alice.agent@signoff.example.com"


@dataclass(frozen=True)
class Ran:
    status: int
    out: str
    err: str


async def signoff(env: dict[str, str], *args: str) -> Ran:
    process = await asyncio.create_subprocess_exec(
        str(SIGNOFF),
        *args,
        env={**os.environ, **env},
        cwd=Path(__file__).parent.parent,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return Ran(process.returncode, out.decode(), err.decode())


async def team(database_url: str) -> list[User]:
    engine = create_db_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            rows = await session.exec(select(User).where(col(User.is_staff)))
            return list(rows)
    finally:
        await engine.dispose()


async def test_the_first_admin_of_a_fresh_database_comes_from_the_command(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    env = {
        "SIGNOFF_DATABASE_URL": url,
        "SIGNOFF_PUBLIC_URL": PUBLIC_URL,
        "SIGNOFF_SECRET_KEY": SECRET_KEY,
    }
    upgraded = await signoff(env, "db", "upgrade")
    assert upgraded.status == 0, upgraded.err

    added = await signoff(
        env, "staff", "add", "Bea.Boss@example.com", "--name", "Bea Boss", "--admin"
    )
    assert added.status == 0, added.err
    assert added.out.splitlines() == [
        "Bea Boss is on the team now, as a team admin.",
        f"Bea Boss can sign in at {PUBLIC_URL}/portal/sign-in with bea.boss@example.com: "
        "Signoff emails them a sign-in link.",
    ]
    [bea] = await team(url)
    assert (bea.name, bea.email, bea.is_admin, bea.state) == (
        "Bea Boss",
        "bea.boss@example.com",
        True,
        UserState.ACTIVE,
    )

    # Run again, the member is updated; never so that the team is left without an admin.
    demoted = await signoff(env, "staff", "add", "bea.boss@example.com", "--name", "Bea Boss")
    assert demoted.status == 1 and demoted.out == ""
    assert "last active team admin" in demoted.err
    renamed = await signoff(
        env, "staff", "add", "bea.boss@example.com", "--name", "Beatrice Boss", "--admin"
    )
    assert renamed.status == 0, renamed.err
    assert renamed.out.splitlines()[0] == (
        "Beatrice Boss was on the team already: updated, as a team admin."
    )
    assert [(u.name, u.is_admin) for u in await team(url)] == [("Beatrice Boss", True)]

    bad = await signoff(env, "staff", "add", "not-an-email", "--name", "Nobody")
    assert bad.status == 1 and "EMAIL:" in bad.err and bad.out == ""
    assert len(await team(url)) == 1


async def test_the_command_brings_back_a_deactivated_member_and_refuses_a_contact(
    stack: Stack,
) -> None:
    env = _environment(stack.settings)
    alice = next(s for s in stack.demo["staff"] if s["email"] == ALICE)
    done = await stack.http.post(f"/staff/{alice['id']}/deactivate", headers=stack.auth("Sam"))
    assert done.status_code == 200, done.text

    back = await signoff(env, "staff", "add", ALICE, "--name", "Alice Agent")
    assert back.status == 0, back.err
    assert back.out.splitlines() == [
        "Alice Agent is back on the team, as a member.",
        f"Alice Agent can sign in at {PUBLIC_URL}/portal/sign-in with {ALICE}: "
        "Signoff emails them a sign-in link.",
    ]
    listed: list[dict[str, Any]] = (
        await stack.http.get("/staff", headers=stack.auth("Sam"))
    ).json()
    assert {m["email"]: m["active"] for m in listed}[ALICE] is True
    async with browser(stack) as client:
        await sign_in(stack, client, ALICE)
        assert (await client.get("/portal/queue")).status_code == 200

    contact = await signoff(env, "staff", "add", derek(stack)["email"], "--name", "Derek")
    assert contact.status == 1 and contact.out == ""
    assert "this email is already used by another account" in contact.err
    assert len(await team(stack.settings.database_url)) == 2
