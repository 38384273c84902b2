"""Reading a customer's profile and contacts, and filing profile changes."""

import uuid

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.errors import Conflict, NotFound
from api.identity import Principal, require_customer
from models.access import sees_requests
from models.contact import Contact, ContactPublic
from models.customer import Customer, CustomerPublic
from models.enums import OPEN_STATUSES, Role
from models.purchaser import PurchaserPublic
from models.queries import purchaser_of
from models.request import ChangeRequest, RequestSummary

# What filing for an archived customer, or archiving it again, is told (409).
ARCHIVED = "this customer is archived"


def require_not_archived(customer: Customer) -> None:
    if customer.archived_at is not None:
        raise Conflict(ARCHIVED)


async def load_customer(
    session: AsyncSession, principal: Principal, customer_id: uuid.UUID
) -> Customer:
    require_customer(principal, customer_id)
    customer = await session.get(Customer, customer_id)
    if customer is None:
        raise NotFound("customer not found")
    return customer


async def customer_view(
    session: AsyncSession, principal: Principal, customer_id: uuid.UUID
) -> CustomerPublic:
    customer = await load_customer(session, principal, customer_id)
    open_requests = await _open_requests(session, principal, customer_id)
    profile = customer.profile()
    return CustomerPublic(
        id=customer.id,
        reference=customer.reference,
        legal=profile.legal,
        payment=profile.payment,
        purchaser=(
            PurchaserPublic(
                **purchaser.named_address().model_dump(),
                id=purchaser.id,
                responsibility=purchaser.responsibility,
                assigned_at=purchaser.assigned_at,
            )
            if (purchaser := await purchaser_of(session, customer_id))
            else None
        ),
        open_requests=open_requests,
        archived_at=customer.archived_at,
        archive_reason=customer.archive_reason,
    )


async def _open_requests(
    session: AsyncSession, principal: Principal, customer_id: uuid.UUID
) -> list[RequestSummary]:
    if not sees_requests(principal, customer_id):
        return []
    requests = await session.exec(
        select(ChangeRequest)
        .where(
            ChangeRequest.customer_id == customer_id,
            col(ChangeRequest.status).in_(OPEN_STATUSES),
        )
        .order_by(col(ChangeRequest.created_at))
    )
    return [RequestSummary.model_validate(r, from_attributes=True) for r in requests]


async def contacts_view(
    session: AsyncSession, principal: Principal, customer_id: uuid.UUID
) -> list[ContactPublic]:
    await load_customer(session, principal, customer_id)
    contacts = await session.exec(
        select(Contact)
        .where(Contact.customer_id == customer_id, col(Contact.removed_at).is_(None))
        .order_by(col(Contact.last_name), col(Contact.first_name))
    )
    return [
        ContactPublic.model_validate(contact, from_attributes=True).model_copy(
            update={"roles": sorted(contact.role_set, key=list(Role).index)}
        )
        for contact in contacts
    ]
