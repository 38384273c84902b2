"""Signing in to the portal by an emailed link, over real HTTP: the link is single-use,
expires, changes nothing when opened, and the session it starts ends as it should."""

import asyncio
import re
from typing import Any

import httpx
import pytest
from sqlmodel import select

from devstack.outbox import CapturedMessage
from models.portal_session import PortalSession
from tests.conftest import PUBLIC_URL, Stack

LINK = re.compile(re.escape(PUBLIC_URL) + r"(/portal/sign-in/[A-Za-z0-9_-]+(?:\?next=[^\s\"<]+)?)")


def browser(stack: Stack) -> httpx.AsyncClient:
    """A client that keeps cookies, as a browser does."""
    return httpx.AsyncClient(base_url=str(stack.http.base_url), timeout=30)


async def ask_for_link(
    client: httpx.AsyncClient, email: str, next_path: str = ""
) -> httpx.Response:
    return await client.post("/portal/sign-in", data={"email": email, "next": next_path})


async def emailed_link(stack: Stack, email: str, count: int = 1) -> str:
    """The link of the latest sign-in email to ``email``, once ``count`` have arrived (other
    emails, a request's news, may arrive before or after it)."""

    def sign_ins() -> list[CapturedMessage]:
        return [
            m
            for m in stack.mail.messages
            if email in m.recipients and "sign-in" in m.subject.lower()
        ]

    await stack.wait_for_mail(lambda _: len(sign_ins()) >= count)
    latest = sign_ins()[-1]
    found = LINK.search(latest.text or "")
    assert found, latest.text
    return found.group(1).replace("&amp;", "&")


async def sign_in(stack: Stack, client: httpx.AsyncClient, email: str) -> None:
    await ask_for_link(client, email)
    link = await emailed_link(stack, email)
    answer = await client.post(link, data={})
    assert answer.status_code == 303


def derek(stack: Stack) -> dict[str, Any]:
    return next(c for c in stack.demo["customers"][0]["contacts"] if c["name"].startswith("Derek"))


async def test_the_emailed_link_signs_in_once_and_opening_it_changes_nothing(stack: Stack) -> None:
    email = derek(stack)["email"]
    async with browser(stack) as client:
        entry = await client.get("/")
        assert entry.status_code == 303
        entry = await client.get(entry.headers["location"])
        assert entry.headers["location"].startswith("/portal/sign-in")
        asked = await ask_for_link(client, email, "/portal/profile")
        assert asked.status_code == 200 and "a sign-in link is on its way" in asked.text
        link = await emailed_link(stack, email)
        assert "next=%2Fportal%2Fprofile" in link
        for _ in range(2):
            opened = await client.get(link)
            assert opened.status_code == 200 and "Sign in" in opened.text
            assert (await client.head(link)).status_code == 200
        assert "signoff_session" not in client.cookies
        signed_in = await client.post(link, data={"next": "/portal/profile"})
        assert signed_in.status_code == 303
        assert signed_in.headers["location"] == "/portal/profile?done=signed-in"
        cookie = signed_in.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
        profile = await client.get(signed_in.headers["location"])
        assert profile.status_code == 200
        assert "Example Energy plc" in profile.text and "You are signed in." in profile.text
        again = await client.post(link, data={})
        assert again.status_code == 410 and "already been used" in again.text


async def test_an_unknown_address_gets_the_same_answer_and_no_email(stack: Stack) -> None:
    async with browser(stack) as client:
        known = await ask_for_link(client, derek(stack)["email"])
        unknown = await ask_for_link(client, "nobody@example.com")
    assert unknown.status_code == known.status_code == 200

    def scrub(text: str) -> str:
        return text.replace(derek(stack)["email"], "@").replace("nobody@example.com", "@")

    assert scrub(unknown.text) == scrub(known.text)
    await emailed_link(stack, derek(stack)["email"])
    await asyncio.sleep(0.5)
    assert not [m for m in stack.mail.messages if "nobody@example.com" in m.recipients]


async def test_a_bad_address_is_shown_beside_the_field(stack: Stack) -> None:
    async with browser(stack) as client:
        answer = await ask_for_link(client, "not an email")
    assert answer.status_code == 422
    assert 'aria-invalid="true"' in answer.text and 'value="not an email"' in answer.text


async def test_a_page_sends_one_not_signed_in_to_sign_in_and_back(stack: Stack) -> None:
    async with browser(stack) as client:
        answer = await client.get("/portal/profile?x=1")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/portal/sign-in?next=%2Fportal%2Fprofile%3Fx%3D1"
        page = await client.get(answer.headers["location"])
        assert 'name="next" value="/portal/profile?x=1"' in page.text


@pytest.mark.parametrize(
    "next_path",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "/customers/1",
        "javascript:x",
    ],
)
async def test_after_sign_in_only_a_portal_path_is_followed(stack: Stack, next_path: str) -> None:
    async with browser(stack) as client:
        await ask_for_link(client, derek(stack)["email"])
        link = await emailed_link(stack, derek(stack)["email"])
        answer = await client.post(link.split("?")[0], data={"next": next_path})
    assert answer.headers["location"] == "/portal/profile?done=signed-in" or answer.headers[
        "location"
    ].startswith("/portal?")


async def test_sign_out_ends_the_session_on_the_server(stack: Stack) -> None:
    async with browser(stack) as client:
        await sign_in(stack, client, derek(stack)["email"])
        page = await client.get("/portal/profile")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        key = client.cookies["signoff_session"]
        refused = await client.post("/portal/sign-out", data={"csrf_token": "forged"})
        assert refused.status_code == 403
        out = await client.post("/portal/sign-out", data={"csrf_token": token.group(1)})
        assert out.status_code == 303
    async with browser(stack) as replay:
        replay.cookies.set("signoff_session", key)
        assert (await replay.get("/portal/profile")).status_code == 303
    async with stack.sessions() as session:
        ended = (await session.exec(select(PortalSession))).all()
    assert ended and all(s.ended_at is not None for s in ended)


async def test_signing_in_again_ends_the_session_the_browser_held(stack: Stack) -> None:
    async with browser(stack) as client:
        await sign_in(stack, client, derek(stack)["email"])
        first = client.cookies["signoff_session"]
        await ask_for_link(client, derek(stack)["email"])
        link = await emailed_link(stack, derek(stack)["email"], count=2)
        assert (await client.post(link, data={})).status_code == 303
        assert client.cookies["signoff_session"] != first
        assert (await client.get("/portal/profile")).status_code == 200
    async with browser(stack) as replay:
        replay.cookies.set("signoff_session", first)
        assert (await replay.get("/portal/profile")).status_code == 303


async def test_a_form_from_another_origin_is_refused(stack: Stack) -> None:
    async with browser(stack) as client:
        await sign_in(stack, client, derek(stack)["email"])
        page = await client.get("/portal/profile")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        answer = await client.post(
            "/portal/sign-out",
            data={"csrf_token": token.group(1)},
            headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
        )
        assert answer.status_code == 403
        assert (await client.get("/portal/profile")).status_code == 200


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"session_idle_seconds": 2, "sign_in_link_seconds": 3}


async def test_sessions_time_out_when_idle_and_links_expire(stack: Stack) -> None:
    email = derek(stack)["email"]
    async with browser(stack) as client:
        await sign_in(stack, client, email)
        assert (await client.get("/portal/profile")).status_code == 200
        await asyncio.sleep(2.5)
        assert (await client.get("/portal/profile")).status_code == 303
        await ask_for_link(client, email)
        link = await emailed_link(stack, email, count=2)
        await asyncio.sleep(3.5)
        expired = await client.get(link)
        assert expired.status_code == 410 and "expired" in expired.text


async def test_no_such_page_is_a_page_and_a_long_return_path_goes_home(stack: Stack) -> None:
    async with browser(stack) as client:
        missing = await client.get("/portal/no-such-page")
        assert missing.status_code == 404 and "There is no such page." in missing.text
        assert (await client.get("/no-such-route")).json() == {"detail": "Not Found"}
        far = await client.get("/portal/queue?ticket=" + "x" * 600)
        page = await client.get(far.headers["location"])
        assert 'name="next" value="/portal"' in page.text
        long_email = await ask_for_link(client, "a" * 400 + "@example.com")
        assert long_email.status_code == 422 and 'aria-invalid="true"' in long_email.text
