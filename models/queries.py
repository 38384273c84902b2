"""Reads shared by the API (validation at submission) and the activities (at apply time)."""

import uuid
from collections.abc import Iterable

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.contact import Contact
from models.contact_change import AddContact, ContactChangeCreate, ContactState, UpdateContact
from models.enums import Responsibility
from models.purchaser import Purchaser


async def living_contacts(
    session: AsyncSession, customer_id: uuid.UUID, lock: bool = False
) -> list[Contact]:
    query = (
        select(Contact)
        .where(Contact.customer_id == customer_id, col(Contact.removed_at).is_(None))
        .order_by(col(Contact.last_name), col(Contact.first_name), col(Contact.id))
    )
    if lock:
        query = query.with_for_update()
    return list(await session.exec(query))


def contact_state(contact: Contact) -> ContactState:
    return ContactState(
        id=contact.id,
        side=contact.side,
        details={name: getattr(contact, name) for name in _DETAILS},
        roles=contact.role_set,
    )


_DETAILS = ("salutation", "first_name", "last_name", "email", "phone", "job_title")


async def emails_elsewhere(
    session: AsyncSession, customer_id: uuid.UUID, batch: ContactChangeCreate
) -> frozenset[str]:
    """Which of the batch's new emails contacts of other customers already use."""
    wanted = {
        str(email).lower() for change in batch.changes if (email := _email(change)) is not None
    }
    if not wanted:
        return frozenset()
    taken = await session.exec(
        select(func.lower(Contact.email)).where(
            Contact.customer_id != customer_id, func.lower(Contact.email).in_(wanted)
        )
    )
    return frozenset(email for email in taken if email)


def _email(change: object) -> str | None:
    if isinstance(change, AddContact):
        return str(change.contact.email)
    if isinstance(change, UpdateContact) and change.fields.email is not None:
        return str(change.fields.email)
    return None


async def emails_in_use(session: AsyncSession, emails: Iterable[str]) -> frozenset[str]:
    """Which of ``emails`` a living contact of any customer already uses."""
    wanted = {email.lower() for email in emails}
    if not wanted:
        return frozenset()
    taken = await session.exec(
        select(func.lower(Contact.email)).where(func.lower(Contact.email).in_(wanted))
    )
    return frozenset(email for email in taken if email)


async def purchaser_of(session: AsyncSession, customer_id: uuid.UUID) -> Purchaser | None:
    return (
        await session.exec(select(Purchaser).where(Purchaser.customer_id == customer_id))
    ).first()


async def purchaser_responsibility(
    session: AsyncSession, customer_id: uuid.UUID
) -> Responsibility | None:
    """The responsibility of the customer's purchaser, or None when none is assigned."""
    purchaser = await purchaser_of(session, customer_id)
    return purchaser.responsibility if purchaser else None
