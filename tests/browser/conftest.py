"""Browser tests: Debian's Chromium driven by Playwright against the real stack.

The stack is served at its public URL, so the links in its emails open in the browser.
Each test runs at a desktop and a phone width; a module overrides ``width`` to run at one.
"""

import os
import shutil
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, async_playwright

from tests.browser.people import People
from tests.conftest import Stack

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str:
    """The browser's executable ($SIGNOFF_CHROMIUM, else Debian's), or skip (fail under
    SIGNOFF_REQUIRE_BROWSER=1) saying how to install it."""
    path = os.environ.get("SIGNOFF_CHROMIUM") or CHROMIUM
    found = shutil.which(path)
    if found is None:
        why = (
            f"Chromium is not installed at {path} (as root: apt-get install chromium, "
            "or set SIGNOFF_CHROMIUM to its executable)"
        )
        if os.environ.get("SIGNOFF_REQUIRE_BROWSER") == "1":
            pytest.fail(f"SIGNOFF_REQUIRE_BROWSER=1 but {why}", pytrace=False)
        pytest.skip(f"browser tests skipped: {why}")
    return found


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    """One headless Chromium for the session."""
    path = chromium()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=path, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        await launched.close()


@pytest.fixture
def served_at_public_url() -> bool:
    return True


@pytest.fixture(params=[1280, 390], ids=["desktop", "phone"])
def width(request: pytest.FixtureRequest) -> int:
    """The viewport's width; below 600 px the context is a phone (mobile, touch)."""
    value: int = request.param
    return value


@pytest_asyncio.fixture(loop_scope="session")
async def people(browser: Browser, stack: Stack, width: int) -> AsyncIterator[People]:
    """``await people("Ursula")``: a person at a browser of the test's ``width``.

    A console error that no ``check()`` reported fails the test at teardown.
    """
    opened = People(browser, stack, width)
    yield opened
    unreported = [
        f"{person.name}: {error}"
        for person in opened.opened
        for error in person.unreported_errors()
    ]
    for person in opened.opened:
        await person.close()
    assert not unreported, "console errors no check() reported:\n" + "\n".join(unreported)
