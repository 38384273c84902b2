"""Filing a request of any kind: checked against the customer as it stands, every problem
at once; then stored and its workflow started."""

import uuid
from collections.abc import Iterable

from pydantic import BaseModel

from api.errors import Conflict
from api.identity import require_requester
from api.services import requests
from api.services.customers import load_customer
from models.contact import Contact
from models.customer import Customer
from models.enums import RequestKind
from models.filing import FilingContext
from models.kinds import KINDS
from models.problems import ValidationProblems
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
    return await requests.submit(filing, customer_id, kind, described.stored(form, context))


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
