"""The service team's customer directory: every customer, or those a search finds by legal
name, by ticket number or by a contact's email."""

from typing import Any

from sqlalchemy import ColumnElement, false, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.identity import Principal, require_staff
from api.services.request_lists import ticket_key
from models.contact import Contact
from models.customer import Customer, CustomerListItem
from models.enums import OPEN_STATUSES
from models.purchaser import Purchaser
from models.request import ChangeRequest
from models.ticket import Ticket

# A directory shows at most this many customers.
LIMIT = 100
# Longer than any name, email or ticket number: a search for more finds nothing.
QUERY_MAX = 320


def _matches(query: str) -> ColumnElement[bool]:
    """A customer whose legal name contains ``query`` (any case), which has the ticket
    ``query``, or one of whose living contacts has the email ``query`` (any case)."""
    if len(query) > QUERY_MAX:
        return false()
    lowered = query.lower()
    by_ticket = select(Ticket.customer_id).where(col(Ticket.number) == ticket_key(query))
    by_email = select(Contact.customer_id).where(
        func.lower(col(Contact.email)) == lowered, col(Contact.removed_at).is_(None)
    )
    return or_(
        func.lower(col(Customer.legal_name)).contains(lowered, autoescape=True),
        func.lower(col(Customer.reference)) == lowered,
        col(Customer.id).in_(by_ticket),
        col(Customer.id).in_(by_email),
    )


async def search_customers(
    session: AsyncSession, principal: Principal, query: str | None, limit: int = LIMIT
) -> list[CustomerListItem]:
    """The customers matching ``query`` (every customer without one), by legal name, with
    their purchaser's name and their numbers of open requests and of contacts: one query.
    The service team's only (403 for anyone else)."""
    require_staff(principal)
    open_requests: Any = (
        select(func.count())
        .select_from(ChangeRequest)
        .where(
            col(ChangeRequest.customer_id) == col(Customer.id),
            col(ChangeRequest.status).in_(OPEN_STATUSES),
        )
        .scalar_subquery()
    )
    contacts: Any = (
        select(func.count())
        .select_from(Contact)
        .where(col(Contact.customer_id) == col(Customer.id), col(Contact.removed_at).is_(None))
        .scalar_subquery()
    )
    statement = select(Customer, Purchaser.name, open_requests, contacts).outerjoin(
        Purchaser, col(Purchaser.customer_id) == col(Customer.id)
    )
    wanted = (query or "").strip()
    if wanted:
        statement = statement.where(_matches(wanted))
    statement = statement.order_by(func.lower(col(Customer.legal_name)), col(Customer.id))
    rows = await session.exec(statement.limit(limit))
    return [
        CustomerListItem(
            id=customer.id,
            reference=customer.reference,
            legal_name=customer.legal_name,
            city=customer.legal_city,
            country=customer.legal_country,
            purchaser_name=purchaser,
            open_requests=int(open_count or 0),
            contacts=int(contact_count or 0),
            archived_at=customer.archived_at,
        )
        for customer, purchaser, open_count, contact_count in rows
    ]
