"""Activating a new contact's account through the link in their welcome email."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from api.errors import LinkProblem
from api.services import portal_sessions
from api.services.links import SpentLink, open_link, spend_link
from models.audit import AuditEvent
from models.contact import Contact
from models.customer import Customer
from models.enums import LinkPurpose, Role, UserState
from models.tokens import generate_token, hash_token
from models.types import utcnow
from models.user import ApiToken, User
from settings import Settings

USED = LinkProblem(
    410,
    "This link has already been used",
    "Your account was activated with this link. Sign in to Signoff with your email address; "
    "you can make API tokens there.",
)
EXPIRED = LinkProblem(
    410,
    "This link has expired",
    "Ask your organisation's administrator to contact the service team for a new link.",
)
SPENT = SpentLink(used=USED, expired=EXPIRED)
# What the API token an activation makes for a client (JSON) is called in its owner's list.
ACTIVATION_TOKEN = "Made at activation"


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


async def activate_for_api(session: AsyncSession, token: str) -> str:
    """Activate the account once; returns its new API token (shown once, stored hashed)."""
    now = utcnow()
    user = await _activate(session, token, now)
    api_token = generate_token()
    session.add(
        ApiToken(
            user_id=user.id, token_hash=hash_token(api_token), name=ACTIVATION_TOKEN, created_at=now
        )
    )
    await session.commit()
    return api_token


async def activate_and_sign_in(
    session: AsyncSession, token: str, settings: Settings, replacing: str | None
) -> str:
    """Activate the account once and start a portal session for it; returns the session's
    key. No API token is made: the person makes their own in the portal if they need one."""
    now = utcnow()
    user = await _activate(session, token, now)
    key = await portal_sessions.start(session, user.id, settings, now, replacing)
    await session.commit()
    return key


async def _activate(session: AsyncSession, token: str, now: datetime) -> User:
    """Spend the link and make its account active, in a write transaction left open for the
    caller to add what the account starts with, and commit."""
    link = await spend_link(session, token, LinkPurpose.ACTIVATION, now, SPENT)
    user = await session.get_one(User, link.user_id)
    contact = await session.get_one(Contact, user.contact_id)
    user.state = UserState.ACTIVE
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
    return user
