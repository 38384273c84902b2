"""Activating a new contact's account through the link in their welcome email."""

from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from api.pages import LinkProblem
from api.services.links import SpentLink, open_link
from models.audit import AuditEvent
from models.contact import Contact
from models.customer import Customer
from models.database import begin_write
from models.enums import LinkPurpose, Role, UserState
from models.link import LinkToken
from models.tokens import generate_token, hash_token
from models.types import utcnow
from models.user import ApiToken, User

USED = LinkProblem(
    410,
    "This link has already been used",
    "Your account was activated with this link. If you did not keep your API token, ask "
    "the service team for a new one.",
)
EXPIRED = LinkProblem(
    410,
    "This link has expired",
    "Ask your organisation's administrator to contact the service team for a new link.",
)
SPENT = SpentLink(used=USED, expired=EXPIRED)


@dataclass(frozen=True)
class Activation:
    customer: str
    name: str
    username: str
    roles: list[str]
    expires: str


async def activation_view(session: AsyncSession, token: str) -> Activation:
    link = await open_link(session, token, LinkPurpose.ACTIVATION, utcnow(), SPENT)
    user = await session.get_one(User, link.user_id)
    contact = await session.get_one(Contact, user.contact_id)
    customer = await session.get_one(Customer, contact.customer_id)
    return Activation(
        customer=customer.legal_name,
        name=contact.display_name,
        username=contact.email or "",
        roles=[Role(role).value.replace("_", " ") for role in contact.roles],
        expires=f"{link.expires_at:%d %B %Y}",
    )


async def activate(session: AsyncSession, token: str) -> str:
    """Activate the account once; returns its new API token (shown once, stored hashed)."""
    now = utcnow()
    await begin_write(session)
    link = await open_link(session, token, LinkPurpose.ACTIVATION, now, SPENT)
    claimed = await session.exec(
        update(LinkToken)
        .where(col(LinkToken.id) == link.id, col(LinkToken.used_at).is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:
        raise USED
    user = await session.get_one(User, link.user_id)
    contact = await session.get_one(Contact, user.contact_id)
    user.state = UserState.ACTIVE
    api_token = generate_token()
    session.add(ApiToken(user_id=user.id, token_hash=hash_token(api_token), created_at=now))
    session.add(
        AuditEvent(
            customer_id=contact.customer_id,
            request_id=link.request_id,
            actor=f"user:{user.id}",
            action="account_activated",
            detail={"contact": str(contact.id)},
            at=now,
        )
    )
    await session.commit()
    return api_token
