"""The service team's queue over real HTTP when it is long: a page of the oldest requests at
a time, with their count and links to the pages before and after, which keep the filters;
and finding a customer's requests by part of its name."""

import html
import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx

from api.portal.queue import PAGE_SIZE
from models.customer import Customer
from models.enums import RequestKind, RequestStatus
from models.request import ChangeRequest
from tests.conftest import Stack
from tests.portal.test_requests import sam
from tests.portal.test_sign_in import browser, derek, sign_in

OPEN_COUNT = PAGE_SIZE + 10
LISTED = re.compile(r'href="/portal/requests/([0-9a-f-]{36})"')
LINK = re.compile(r'<a href="([^"]+)" rel="(prev|next)">')


async def many_open_requests(stack: Stack) -> list[str]:
    """``OPEN_COUNT`` open profile changes of as many customers, a minute apart, and one
    implemented after them; the open ones' ids, oldest first."""
    start = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    requester = uuid.UUID(derek(stack)["user_id"])
    ids = []
    async with stack.sessions() as session:
        for index in range(OPEN_COUNT + 1):
            customer = Customer(
                legal_name=f"Queue Test {index:02d} Ltd",
                legal_street="1 Long Road",
                legal_city="York",
                legal_postal_code="YO1 1AA",
                legal_country="GB",
                payment_name=f"Queue Test {index:02d} Ltd",
                payment_street="1 Long Road",
                payment_city="York",
                payment_postal_code="YO1 1AA",
                payment_country="GB",
            )
            session.add(customer)
            await session.flush()
            at = start + timedelta(minutes=index)
            request = ChangeRequest(
                kind=RequestKind.PROFILE_CHANGE,
                status=RequestStatus.IN_REVIEW if index < OPEN_COUNT else RequestStatus.IMPLEMENTED,
                customer_id=customer.id,
                requester_id=requester,
                workflow_id=f"profile-change-{customer.id}",
                ticket_number=f"SO-9{index:04d}",
                created_at=at,
                updated_at=at,
            )
            session.add(request)
            await session.flush()
            if index < OPEN_COUNT:
                ids.append(str(request.id))
        await session.commit()
    return ids


def listed(page: httpx.Response) -> list[str]:
    assert page.status_code == 200, page.text[:500]
    return LISTED.findall(page.text)


def links(page: httpx.Response) -> dict[str, str]:
    return {rel: html.unescape(href) for href, rel in LINK.findall(page.text)}


async def test_a_long_queue_shows_a_page_of_the_oldest_with_their_count_and_links(
    stack: Stack,
) -> None:
    ids = await many_open_requests(stack)
    async with browser(stack) as team:
        await sign_in(stack, team, sam(stack))

        first = await team.get("/portal/queue")
        assert listed(first) == ids[:PAGE_SIZE]
        assert f"oldest first: 1 to {PAGE_SIZE} of {OPEN_COUNT}" in first.text
        assert "Page 1 of 2" in first.text
        assert "Previous page" not in first.text
        assert set(links(first)) == {"next"}

        second = await team.get(links(first)["next"])
        assert listed(second) == ids[PAGE_SIZE:]
        assert f"oldest first: {PAGE_SIZE + 1} to {OPEN_COUNT} of {OPEN_COUNT}" in second.text
        assert "Page 2 of 2" in second.text and "Next page" not in second.text
        assert links(second) == {"prev": "/portal/queue?status=open&page=1"}

        # A page past the last shows the last; one that is no number, the first.
        assert listed(await team.get("/portal/queue", params={"page": "99"})) == ids[PAGE_SIZE:]
        assert listed(await team.get("/portal/queue", params={"page": "x"})) == ids[:PAGE_SIZE]


async def test_the_pages_keep_the_filters(stack: Stack) -> None:
    ids = await many_open_requests(stack)
    async with browser(stack) as team:
        await sign_in(stack, team, sam(stack))

        # Any status: the implemented one too, and the link to the next page says so.
        first = await team.get("/portal/queue", params={"status": "", "kind": "profile_change"})
        assert f"oldest first: 1 to {PAGE_SIZE} of {OPEN_COUNT + 1}" in first.text
        following = links(first)["next"]
        assert "status=&" in following and "kind=profile_change" in following
        second = await team.get(following)
        assert len(listed(second)) == OPEN_COUNT + 1 - PAGE_SIZE
        assert listed(second)[:-1] == ids[PAGE_SIZE:]

        # By part of the customer's name, in any case: one page, no links.
        named = await team.get("/portal/queue", params={"customer": "queue test 07"})
        assert listed(named) == [ids[7]]
        assert "oldest first: 1" in named.text and not links(named)
        assert 'value="queue test 07"' in named.text
        assert listed(await team.get("/portal/queue", params={"customer": "x" * 500})) == []
