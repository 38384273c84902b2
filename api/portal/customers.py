"""The service team's customer directory: finding a customer by name, ticket number or a
contact's email, and each customer's page (profile, purchaser, contacts, requests, tickets,
audit trail, the team's customer notes, the messages sent to its people) with the audit
trail's CSV download, and for the team's admins the Archive customer form
(``customer_archive.py`` handles it; ``customer_notes.py``, the Add note form)."""

import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import SessionDep
from api.errors import NotFound
from api.portal.acting import Acting
from api.portal.auth import SignedInDep
from api.portal.forms import KIND_CHOICES, FormErrors
from api.portal.render import PORTAL_HEADERS, render
from api.services import (
    audit,
    customer_directory,
    customer_messages,
    customers,
    request_lists,
    team_notes,
    tickets,
)
from api.services.paging import Page
from api.services.portal_sessions import SignedIn
from api.services.request_lists import OPEN, RequestFilters
from api.services.ticket_desk import TicketFilters
from models.access import may_decide, may_manage_team
from models.customer import CustomerPublic
from models.ids import ascii_number
from models.kinds import Offer, acting_offers
from models.types import utcnow

router = APIRouter()

# The customer's page shows the newest of its audit events and of its past requests.
AUDIT_SHOWN = 50
PAST_SHOWN = 50
TICKETS_SHOWN = 20
# The query parameters that page the customer notes and the messages sent.
NOTES_PAGE = "notes_page"
MESSAGES_PAGE = "messages_page"
PAGED = (NOTES_PAGE, MESSAGES_PAGE)


def staff_only(person: SignedIn) -> None:
    """Contacts get 404, as if the page did not exist (as on the queue)."""
    if not may_decide(person.principal):
        raise NotFound("this page is for the service team")


@router.get("/portal/customers", response_class=HTMLResponse)
async def directory(request: Request, person: SignedInDep, session: SessionDep) -> HTMLResponse:
    staff_only(person)
    query = request.query_params.get("q", "").strip()
    found = await customer_directory.search_customers(session, person.principal, query)
    return render(
        request,
        "customers.html",
        person,
        "Customers",
        query=query,
        found=found,
        limit=customer_directory.LIMIT,
    )


@dataclass
class ArchiveTyped:
    """What a team admin typed into the Archive customer form, and what it was refused for
    (the reason's problems beside it, the customer's above)."""

    reason: str = ""
    errors: FormErrors = field(default_factory=FormErrors)


@dataclass
class NoteTyped:
    """What a member of the team typed into the Add note form, and what it was refused for."""

    body: str = ""
    error: str | None = None


def page_offset(request: Request, name: str, size: int) -> int:
    """Where the page the query's ``name`` asks for starts (anything but a page number is
    the first page; one past the end shows no item, and links back)."""
    number = ascii_number(request.query_params.get(name, ""), 6) or 1
    return (number - 1) * size


@dataclass(frozen=True)
class Pager:
    """The links to a list's previous and next pages on the customer's page (none where
    there is none), each keeping the page the other list is at."""

    previous: str | None
    next: str | None


def pager(request: Request, name: str, page: Page[Any], anchor: str) -> Pager:
    kept = {key: value for key, value in request.query_params.items() if key in PAGED}

    def link(number: int) -> str:
        return f"{request.url.path}?{urlencode({**kept, name: number})}#{anchor}"

    return Pager(
        link(page.number - 1) if page.has_previous else None,
        link(page.number + 1) if page.has_next else None,
    )


@router.get("/portal/customers/{customer_id}", response_class=HTMLResponse)
async def customer(
    request: Request, customer_id: uuid.UUID, person: SignedInDep, session: SessionDep
) -> HTMLResponse:
    return await customer_page(request, person, session, customer_id)


async def customer_page(
    request: Request,
    person: SignedIn,
    session: AsyncSession,
    customer_id: uuid.UUID,
    archive: ArchiveTyped | None = None,
    status_code: int = 200,
    note: NoteTyped | None = None,
) -> HTMLResponse:
    """The customer's page; ``archive``, ``note``: the Archive customer or Add note form as
    it was sent back."""
    staff_only(person)
    principal = person.principal
    view = await customers.customer_view(session, principal, customer_id)
    open_requests = await request_lists.list_requests(
        session, principal, RequestFilters(customer_id=customer_id, status=OPEN)
    )
    recent = await request_lists.list_requests(
        session, principal, RequestFilters(customer_id=customer_id), limit=PAST_SHOWN
    )
    events = await audit.audit_trail(session, principal, customer_id)
    notes = await team_notes.customer_notes(
        session,
        principal,
        customer_id,
        offset=page_offset(request, NOTES_PAGE, team_notes.PAGE_SIZE),
    )
    messages = await customer_messages.messages_sent(
        session,
        principal,
        customer_id,
        offset=page_offset(request, MESSAGES_PAGE, customer_messages.PAGE_SIZE),
    )
    return render(
        request,
        "customer.html",
        person,
        view.legal.name,
        status_code=status_code,
        view=view,
        contacts=await customers.contacts_view(session, principal, customer_id),
        open_requests=open_requests,
        past=[r for r in recent.items if not r.status.is_open],
        past_truncated=recent.truncated,
        past_shown=PAST_SHOWN,
        tickets=await tickets.list_tickets(
            session, principal, TicketFilters(customer_id=customer_id), limit=TICKETS_SHOWN
        ),
        now=utcnow(),
        events=events[::-1][:AUDIT_SHOWN],
        events_total=len(events),
        kinds=KIND_CHOICES,
        acting=_acting_offers(view),
        may_archive=may_manage_team(principal) and view.archived_at is None,
        archive=archive or ArchiveTyped(),
        notes=notes,
        note=note or NoteTyped(),
        messages=messages,
        notes_pager=pager(request, NOTES_PAGE, notes, "customer-notes-heading"),
        messages_pager=pager(request, MESSAGES_PAGE, messages, "messages-heading"),
    )


def _acting_offers(view: CustomerPublic) -> list[Offer]:
    """The forms the team may file for the customer as it stands."""
    acting = Acting(view.id, view.legal.name)
    purchaser = view.purchaser.responsibility if view.purchaser else None
    return [Offer(acting.page(offer.page), offer.button) for offer in acting_offers(purchaser)]


@router.get("/portal/customers/{customer_id}/audit.csv")
async def audit_csv(customer_id: uuid.UUID, person: SignedInDep, session: SessionDep) -> Response:
    """The audit trail as the JSON route's CSV (``GET /customers/{id}/audit``, text/csv)."""
    staff_only(person)
    events = await audit.audit_trail(session, person.principal, customer_id)
    return Response(
        audit.as_csv(events),
        media_type="text/csv; charset=utf-8",
        headers={
            **PORTAL_HEADERS,
            "Content-Disposition": f'attachment; filename="audit-{customer_id}.csv"',
        },
    )
