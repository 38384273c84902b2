"""The portal's pages timed with open requests at scale (issue 19's Performance section).

The demo people are signed in by starting portal sessions in the database, as the emailed
link would: Derek (Management and Cust Admin of Example Energy plc) for his profile page, one
of his customer's requests and the Contacts Manager, and Sam (service team) for the queue.
"""

import asyncio
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from sqlmodel import col, func, select

from api.portal.auth import COOKIE
from api.services import portal_sessions
from devstack.demo_data import load_demo_data
from models.customer import Customer
from models.database import SessionFactory, begin_write, create_db_engine, session_factory
from models.enums import Side, TicketStatus
from models.sla import open_ticket
from models.ticket import Ticket
from models.tokens import hash_token
from models.types import utcnow
from models.user import ApiToken, User
from settings import Settings

# Each page's p99 must stay under this (issue 19).
TARGET_MS = 50.0
# The pages are asked for at this steady pace, one page after another, in the paced run.
PAGES_PER_S = 20.0
WARM_UP = 5
DEREK = "derek.emonstration@energy.example.com"
SAM = "sam.service@signoff.example.com"
ADDRESS = {"street": "2 Portal Road", "city": "Leeds", "postal_code": "LS1 1AA", "country": "GB"}


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    cookie: str


async def sign_in(api: str, database_url: str, tickets: int = 0) -> list[Page]:
    """Load the demo data, file one request for Derek's customer, start the portal sessions,
    bring the tickets up to ``tickets``; the pages, each with the cookie of the person who
    opens it."""
    engine = create_db_engine(database_url)
    settings = Settings(database_url=database_url)
    try:
        sessions = session_factory(engine)
        demo = await load_demo_data(sessions, settings.secret_key)
        [energy] = [c for c in demo["customers"] if any(p["email"] == DEREK for p in c["contacts"])]
        [derek] = [person for person in energy["contacts"] if person["email"] == DEREK]
        token = f"so_bench_portal_{uuid.uuid4().hex}"
        async with sessions() as session:
            # A write from the start: the stack is still logging the open requests' emails.
            await begin_write(session)
            sam = select(User).where(User.email == SAM, col(User.is_staff))
            user = (await session.exec(sam)).one()
            session.add(ApiToken(user_id=uuid.UUID(derek["user_id"]), token_hash=hash_token(token)))
            now = utcnow()
            derek_key = await portal_sessions.start(
                session, uuid.UUID(derek["user_id"]), settings, now
            )
            sam_key = await portal_sessions.start(session, user.id, settings, now)
            await session.commit()
        await _seed_tickets(sessions, tickets, user.id, settings)
    finally:
        await engine.dispose()
    async with httpx.AsyncClient(base_url=api, timeout=60) as http:
        filed = await http.post(
            f"/customers/{energy['id']}/profile-change-requests",
            json={"legal": {"name": "Example Energy Group plc", "address": ADDRESS}},
            headers={"Authorization": f"Bearer {token}"},
        )
        if filed.status_code != 201:
            raise RuntimeError(f"Derek's request: {filed.status_code} {filed.text}")
    request_id = filed.json()["id"]
    return [
        Page("profile", "/portal/profile", derek_key),
        Page("request", f"/portal/requests/{request_id}", derek_key),
        Page("contacts", "/portal/contacts", derek_key),
        Page("queue", "/portal/queue", sam_key),
        Page("tickets", "/portal/tickets", sam_key),
        Page("tickets_due", "/portal/tickets?status=open&sort=due", sam_key),
    ]


async def _seed_tickets(
    sessions: SessionFactory, total: int, owner_id: uuid.UUID, settings: Settings
) -> None:
    """Tickets of the bench's customers, up to ``total`` in all, in every status and some
    owned, written straight to the database (their clocks are not what is measured)."""
    async with sessions() as session:
        have = int(await session.scalar(select(func.count()).select_from(Ticket)) or 0)
        customer_ids = list(await session.exec(select(Customer.id)))
        statuses = list(TicketStatus)
        now = utcnow()
        await session.commit()
        for start in range(have, total, 1000):
            # A write from the start: the stack's own writes go on meanwhile.
            await begin_write(session)
            rows = []
            for index in range(start, min(start + 1000, total)):
                ticket = Ticket(
                    customer_id=customer_ids[index % len(customer_ids)],
                    side=Side.CUSTOMER,
                    subject=f"Bench ticket {index}",
                    body="A ticket the bench raised to fill the lists.",
                    created_at=now - timedelta(minutes=index),
                    owner_id=owner_id if index % 3 == 0 else None,
                )
                open_ticket(ticket, ticket.created_at, settings.ticket_targets)
                ticket.status = statuses[index % len(statuses)]
                rows.append(ticket)
            session.add_all(rows)
            await session.flush()
            for ticket in rows:
                ticket.number = f"SO-B{ticket.id:07d}"
            await session.commit()


Timings = dict[str, list[float]]


async def _timed(http: httpx.AsyncClient, page: Page, into: list[float]) -> None:
    started = time.perf_counter()
    answer = await http.get(page.path, headers={"Cookie": f"{COOKIE}={page.cookie}"})
    into.append((time.perf_counter() - started) * 1000)
    if answer.status_code != 200:
        raise RuntimeError(f"{page.path} answered {answer.status_code}")


async def sequential(api: str, pages: list[Page], count: int) -> Timings:
    """``count`` GETs of each page one after another, after a few unmeasured ones."""
    timings: Timings = {page.name: [] for page in pages}
    async with httpx.AsyncClient(base_url=api, timeout=60) as http:
        for page in pages:
            for _ in range(WARM_UP):
                await _timed(http, page, [])
            for _ in range(count):
                await _timed(http, page, timings[page.name])
    return timings


async def paced(
    api: str, pages: list[Page], count: int, load: Callable[[], Coroutine[Any, Any, None]]
) -> Timings:
    """``count`` GETs of each page arriving at a steady ``PAGES_PER_S`` (the pages taking
    turns), however long each takes, while ``load()`` runs beside them."""
    timings: Timings = {page.name: [] for page in pages}
    total = count * len(pages)
    beside = asyncio.create_task(load())
    async with httpx.AsyncClient(base_url=api, timeout=60) as http:
        started = time.perf_counter()
        running = []
        for index in range(total):
            await asyncio.sleep(max(0.0, started + index / PAGES_PER_S - time.perf_counter()))
            page = pages[index % len(pages)]
            running.append(asyncio.create_task(_timed(http, page, timings[page.name])))
        await asyncio.gather(*running)
    await beside
    return timings
