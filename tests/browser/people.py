"""People in a browser: one context and page each, checked as PORTAL.md asks.

Every page a person opens is timed; ``check()`` runs axe-core and fails on any violation
or console error. What was checked is summed up at the end of the session (``SEEN``).
"""

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from axe_playwright_python.async_playwright import Axe  # type: ignore[import-untyped]
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Page, Response

from devstack.outbox import CapturedMessage, find_links
from tests.browser.seen import SEEN
from tests.conftest import Stack

PHONE_WIDTH = 600  # narrower viewports are phones: mobile emulation and touch
SIGN_IN_LINK = re.compile(r"/portal/sign-in/[^/?#\s]+")

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_NUMBER = re.compile(r"\d+")
# Emailed tokens are token_urlsafe/token_hex: long, and never a plain word.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,}")
_AXE = Axe()
AXE_OPTIONS: dict[str, Any] = {"resultTypes": ["violations"]}
_FAILED_LOAD = "Failed to load resource: the server responded with a status of"


def page_key(url: str) -> str:
    """The URL's path with its ids as placeholders: /approvals/{token}, /tickets/{n}."""
    segments = []
    for segment in urlsplit(url).path.split("/"):
        if _UUID.fullmatch(segment):
            segment = "{id}"
        elif _NUMBER.fullmatch(segment):
            segment = "{n}"
        elif _TOKEN.fullmatch(segment) and re.search(r"[\dA-Z_]", segment):
            segment = "{token}"
        segments.append(segment)
    return "/".join(segments) or "/"


def viewport(width: int) -> dict[str, Any]:
    """Context options for a viewport ``width`` wide (a phone below PHONE_WIDTH)."""
    phone = width < PHONE_WIDTH
    return {
        "viewport": {"width": width, "height": 844 if phone else 900},
        "is_mobile": phone,
        "has_touch": phone,
    }


@dataclass
class Person:
    """One person at one browser: their own context (cookies) and page."""

    name: str
    context: BrowserContext
    page: Page
    email: str | None = None
    console_errors: list[str] = field(default_factory=list)
    reported: int = 0  # how many of them a check() has failed on

    @classmethod
    async def open(cls, browser: Browser, base_url: str, width: int, name: str) -> "Person":
        context = await browser.new_context(base_url=base_url, **viewport(width))
        page = await context.new_page()
        person = cls(name, context, page)
        page.on("console", person._console)
        page.on("pageerror", person._page_error)
        return person

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        where = message.location.get("url", "")
        # Chromium reports a page answered 4xx (a used link's 410) like a failed resource;
        # the test asserts the page's status itself. Failed resources of a page still count.
        if message.text.startswith(_FAILED_LOAD) and where == self.page.url:
            return
        self._error(f"console error at {where or self.page.url}: {message.text}")

    def _page_error(self, error: Exception) -> None:
        self._error(f"uncaught error at {self.page.url}: {error}")

    def _error(self, text: str) -> None:
        self.console_errors.append(text)

    def unreported_errors(self) -> list[str]:
        """The console errors since the last check(), now counted as reported."""
        errors = self.console_errors[self.reported :]
        self.reported = len(self.console_errors)
        return errors

    async def goto(self, path: str) -> Response | None:
        """Open ``path`` (or a full URL) and time it under the page's path with placeholders."""
        started = time.perf_counter()
        response = await self.page.goto(path)
        await self._timed(started)
        return response

    async def click_button(self, name: str) -> None:
        """Press the button named ``name`` and wait for the page the form leads to."""
        started = time.perf_counter()
        async with self.page.expect_navigation():
            await self.page.get_by_role("button", name=name, exact=True).click()
        await self._timed(started)

    async def _timed(self, started: float) -> None:
        elapsed = (time.perf_counter() - started) * 1000
        # From the navigation's start to the page's last byte, redirects included (a form's
        # POST, then the GET), rendering not; the wall clock if the browser kept no entry.
        measured = await self.page.evaluate(
            """() => {
                const entry = performance.getEntriesByType('navigation')[0];
                return entry ? entry.responseEnd - entry.startTime : null;
            }"""
        )
        ms = float(measured) if isinstance(measured, int | float) and measured > 0 else elapsed
        SEEN.timed(page_key(self.page.url), ms)

    async def check(self, exclude: Sequence[str] = ()) -> None:
        """Fail on any axe-core violation on the current page, or any console error so far.

        ``exclude``: CSS selectors of parts that are not Signoff's (a vendored widget).
        """
        if exclude:
            # Axe().run passes a context as Python source; arguments travel as JSON instead.
            await self.page.evaluate(_AXE.axe_script)
            results = await self.page.evaluate(
                "([context, options]) => axe.run(context, options)",
                [{"exclude": [[selector] for selector in exclude]}, AXE_OPTIONS],
            )
        else:
            results = (await _AXE.run(self.page, options=AXE_OPTIONS)).response
        violations: list[dict[str, Any]] = results["violations"]
        key = page_key(self.page.url)
        SEEN.axe_checks += 1
        SEEN.violations += len(violations)
        # A form's answer may come at the same path: the title tells the pages apart.
        SEEN.checked.add(f"{key} {await self.page.title()}")
        problems = [_violation(violation) for violation in violations]
        problems.extend(await self._reflow())
        problems.extend(f"- {error}" for error in self.unreported_errors())
        if problems:
            raise AssertionError(f"{self.name} at {key} ({self.page.url}):\n" + "\n".join(problems))

    async def _reflow(self) -> list[str]:
        """PORTAL.md: usable at 390 px, so laid out at the screen's width, no sideways scroll."""
        screen = (self.page.viewport_size or {"width": 0})["width"]
        laid_out, scrolled = await self.page.evaluate(
            """() => [document.documentElement.clientWidth, document.documentElement.scrollWidth]"""
        )
        problems = []
        if laid_out > screen + 1:
            problems.append(
                f"- reflow: laid out {laid_out} px wide on a {screen} px screen (no meta viewport?)"
            )
        if scrolled > laid_out + 1:
            problems.append(
                f"- reflow: scrolls sideways by {scrolled - laid_out} px at {screen} px"
            )
        return problems

    async def close(self) -> None:
        await self.context.close()


class People:
    """Opens a person (their own browser context) on the test's stack; closes them all."""

    def __init__(self, browser: Browser, stack: Stack, width: int) -> None:
        self.browser = browser
        self.base_url = stack.settings.public_url
        self.width = width
        self.opened: list[Person] = []

    async def __call__(self, name: str, email: str | None = None) -> Person:
        person = await Person.open(self.browser, self.base_url, self.width, name)
        person.email = email
        self.opened.append(person)
        return person


def _violation(violation: dict[str, Any], shown: int = 5) -> str:
    nodes = violation["nodes"]
    targets = "; ".join(" >> ".join(str(part) for part in node["target"]) for node in nodes[:shown])
    if len(nodes) > shown:
        targets += f"; and {len(nodes) - shown} more"
    return (
        f"- axe {violation['id']} ({violation['impact']}): {violation['help']}\n"
        f"    at {targets}\n    see {violation['helpUrl']}"
    )


def _links(message: CapturedMessage) -> tuple[str, ...]:
    return message.links + find_links(message.html or "")


async def link_in_mail(
    stack: Stack,
    to: str,
    link: str | re.Pattern[str],
    subject: str | None = None,
    after: int = 0,
    timeout: float = 15.0,
) -> str:
    """The first http link matching ``link`` in the latest email to ``to`` that has one
    (and whose subject contains ``subject``, and whose id is above ``after``)."""
    pattern = re.compile(link) if isinstance(link, str) else link

    def matches(message: CapturedMessage) -> bool:
        return (
            message.id > after
            and to.lower() in (recipient.lower() for recipient in message.recipients)
            and (subject is None or subject in message.subject)
            and any(pattern.search(url) for url in _links(message))
        )

    await stack.wait_for_mail(matches, timeout)
    latest = [message for message in stack.mail.messages if matches(message)][-1]
    return next(url for url in _links(latest) if pattern.search(url))


async def follow_link_in_mail(
    person: Person,
    stack: Stack,
    link: str | re.Pattern[str],
    subject: str | None = None,
    to: str | None = None,
    timeout: float = 15.0,
) -> str:
    """Open the first link matching ``link`` in the latest email to ``to`` (the person's
    address by default) that has one; return the link."""
    address = to or person.email
    assert address, f"whose email? {person.name} has no address: pass to="
    url = await link_in_mail(stack, address, link, subject, timeout=timeout)
    await person.goto(url)
    return url


async def sign_in(person: Person, stack: Stack, email: str) -> None:
    """Sign in by emailed link as PORTAL.md describes, from the portal's entry ``/``."""
    person.email = email
    last = max((message.id for message in stack.mail.messages), default=0)
    await person.goto("/")
    await person.page.get_by_label("Email", exact=True).fill(email)
    await person.click_button("Send sign-in link")
    url = await link_in_mail(stack, email, SIGN_IN_LINK, after=last)
    await person.goto(url)
    await person.click_button("Sign in")
