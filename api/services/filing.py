"""Filing a request of any kind: checked against the customer as it stands, every problem
at once; then stored and its workflow started."""

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.errors import Conflict
from api.identity import require_requester
from api.services import requests
from api.services.customers import load_customer
from models.contact import Contact
from models.customer import Customer
from models.enums import OPEN_STATUSES, RequestKind
from models.filing import FilingContext
from models.kinds import KINDS
from models.problems import Loc, Problem, ValidationProblems
from models.queries import contact_state, emails_taken, living_contacts, purchaser_responsibility
from models.request import ChangeRequest


async def file_request(
    filing: requests.Filing, customer_id: uuid.UUID, kind: RequestKind, form: BaseModel
) -> ChangeRequest:
    """Only the customer's Management or Cust Admin may request changes."""
    described = KINDS[kind]
    require_requester(filing.principal, customer_id)
    customer = await load_customer(filing.session, filing.principal, customer_id)
    context = await _context(filing, customer, described.emails(form))
    conflict = described.conflict(context)
    if conflict is not None:
        raise Conflict(conflict)
    problems = described.problems(form, context)
    if problems:
        raise ValidationProblems(problems)
    stored = described.stored(form, context)
    contacts = {str(contact.details.get("email") or "").lower() for contact in context.contacts}
    outside = [a for a in described.approvers(stored) if a.email.lower() not in contacts]
    return await requests.submit(filing, customer_id, kind, stored, len(outside))


async def problems_beside_schema(
    filing: requests.Filing,
    customer_id: uuid.UUID,
    kind: RequestKind,
    body: Any,
    schema_locs: Sequence[Loc],
) -> list[Problem]:
    """A form its schema refused: who may file it is checked as in ``file_request`` (a
    caller who may not file learns nothing of the rules), then the rules' problems with
    what of ``body`` can be read, those the schema's errors do not already cover. Nothing
    is stored."""
    described = KINDS[kind]
    require_requester(filing.principal, customer_id)
    customer = await load_customer(filing.session, filing.principal, customer_id)
    if described.reading is None:
        return []
    form = described.reading.read(body)
    if form is None:
        return []
    context = await _context(filing, customer, described.emails(form))
    # As filing it would: an open request of the kind is answered (409) before any rule.
    conflict = described.conflict(context)
    if conflict is not None:
        raise Conflict(conflict)
    if await _open_of_kind(filing.session, customer_id, kind):
        raise Conflict(f"an open {kind.label} request already exists for this customer")
    return described.reading.beside_schema(schema_locs, described.problems(form, context))


async def _open_of_kind(session: AsyncSession, customer_id: uuid.UUID, kind: RequestKind) -> bool:
    found = await session.scalar(
        select(ChangeRequest.id).where(
            ChangeRequest.customer_id == customer_id,
            ChangeRequest.kind == kind,
            col(ChangeRequest.status).in_(OPEN_STATUSES),
        )
    )
    return found is not None


async def _context(
    filing: requests.Filing, customer: Customer, emails: Iterable[str]
) -> FilingContext:
    session, principal = filing.session, filing.principal
    requester = await session.get(Contact, principal.contact_id) if principal.contact_id else None
    taken = await emails_taken(session, emails)
    return FilingContext(
        profile=customer.profile(),
        contacts=[contact_state(c) for c in await living_contacts(session, customer.id)],
        purchaser=await purchaser_responsibility(session, customer.id),
        requester_email=requester.email if requester else None,
        required_roles=filing.settings.required_roles,
        emails_in_use=frozenset(taken),
        emails_elsewhere=frozenset(email for email, at in taken.items() if at != customer.id),
    )
