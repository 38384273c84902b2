"""A new contact's account: the contact, its user pending activation, and the link that
activates it. Made alike by an applied request, a new customer and an import."""

import uuid
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from models.contact import Contact
from models.enums import LinkPurpose, Role, Side, UserState
from models.link import LinkToken
from models.tokens import hash_token, link_token, new_nonce
from models.user import User


async def new_contact(
    session: AsyncSession,
    customer_id: uuid.UUID,
    side: Side,
    details: Mapping[str, object],
    roles: Collection[Role],
    at: datetime,
    activation: tuple[str, int] | None,
    request_id: uuid.UUID | None = None,
) -> Contact:
    """The contact and its account. With ``activation`` (the link secret and the link's
    lifetime in seconds) the account waits for its welcome email's link; without, it is
    active at once and its person signs in with the portal's emailed link."""
    contact = Contact(customer_id=customer_id, side=side, created_at=at)
    contact.set_details(details)
    contact.roles = sorted(role.value for role in roles)
    session.add(contact)
    await session.flush()
    state = UserState.PENDING_ACTIVATION if activation else UserState.ACTIVE
    user = User(contact_id=contact.id, state=state, created_at=at)
    session.add(user)
    await session.flush()
    if activation is not None:
        secret, lifetime = activation
        nonce = new_nonce()
        session.add(
            LinkToken(
                purpose=LinkPurpose.ACTIVATION,
                nonce=nonce,
                token_hash=hash_token(link_token(secret, nonce)),
                user_id=user.id,
                request_id=request_id,
                expires_at=at + timedelta(seconds=lifetime),
                created_at=at,
            )
        )
    return contact
