"""Signing in to the portal: a link emailed to the address given, opened, then redeemed for
a session. Nobody learns from it whether an address has an account."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api import gateway
from api.errors import LinkProblem
from api.services import portal_sessions
from api.services.links import SpentLink, open_link, spend_link
from models.contact import Contact
from models.database import SessionFactory, transaction
from models.enums import LinkPurpose, UserState
from models.link import LinkToken
from models.payloads import SignInEmail
from models.tokens import hash_token, link_token, new_nonce
from models.types import utcnow
from models.user import User
from settings import Settings

log = logging.getLogger("signoff.portal")

# However often it is asked for, an address gets at most this many links per link lifetime.
LINKS_PER_LIFETIME = 3

USED = LinkProblem(
    410,
    "This sign-in link has already been used",
    "Each link signs in once. Ask for a new one on the sign-in page.",
)
EXPIRED = LinkProblem(
    410, "This sign-in link has expired", "Ask for a new one on the sign-in page."
)
SPENT = SpentLink(used=USED, expired=EXPIRED)


async def account_for(session: AsyncSession, email: str) -> User | None:
    """The active account whose email (a contact's, or a staff user's own) this is. No
    contact may take a staff user's email; were one to have it from before that rule, the
    staff user's account is the one, always."""
    address = email.strip().lower()
    return (
        await session.exec(
            select(User)
            .outerjoin(Contact, col(Contact.id) == User.contact_id)
            .where(
                User.state == UserState.ACTIVE,
                or_(
                    (func.lower(Contact.email) == address) & col(Contact.removed_at).is_(None),
                    col(User.contact_id).is_(None) & (func.lower(User.email) == address),
                ),
            )
            .order_by(col(User.is_staff).desc(), col(User.created_at), col(User.id))
        )
    ).first()


async def send_link(
    sessions: SessionFactory,
    temporal: Client,
    settings: Settings,
    email: str,
    next_path: str | None,
) -> None:
    """Email a sign-in link to the account of ``email``, if there is one and it has not been
    sent too many lately. Runs after the answer, which is the same either way: what fails
    is logged, as nobody waits."""
    try:
        now = utcnow()
        lifetime = timedelta(seconds=settings.sign_in_link_seconds)
        async with transaction(sessions) as session:
            user = await account_for(session, email)
            if user is None:
                return
            recent = await session.scalar(
                select(func.count()).where(
                    LinkToken.user_id == user.id,
                    LinkToken.purpose == LinkPurpose.SIGN_IN,
                    col(LinkToken.created_at) > now - lifetime,
                )
            )
            if (recent or 0) >= LINKS_PER_LIFETIME:
                log.info("sign-in links for user %s are at their limit; none sent", user.id)
                return
            link_id = await _new_link(session, user, settings.secret_key, now, lifetime)
        await gateway.send_sign_in_link(
            temporal,
            settings.task_queue,
            SignInEmail(
                link_id=link_id,
                at=now,
                lifetime_seconds=settings.sign_in_link_seconds,
                next_path=next_path,
            ),
            lifetime,
        )
    except Exception as error:
        # Only the error's kind: its text may quote the address.
        log.warning("a sign-in link could not be sent: %s", type(error).__name__)


async def _new_link(
    session: AsyncSession, user: User, secret_key: str, now: datetime, lifetime: timedelta
) -> int:
    nonce = new_nonce()
    link = LinkToken(
        purpose=LinkPurpose.SIGN_IN,
        nonce=nonce,
        token_hash=hash_token(link_token(secret_key, nonce)),
        user_id=user.id,
        expires_at=now + lifetime,
        created_at=now,
    )
    session.add(link)
    await session.flush()
    assert link.id is not None
    return link.id


@dataclass(frozen=True)
class SigningIn:
    """An open sign-in link: until when it works."""

    expires: str


async def sign_in_view(session: AsyncSession, token: str) -> SigningIn:
    link = await open_link(session, token, LinkPurpose.SIGN_IN, utcnow(), SPENT)
    return SigningIn(expires=f"{link.expires_at:%H:%M} UTC")


async def redeem(
    session: AsyncSession, token: str, settings: Settings, replacing: str | None
) -> str:
    """Spend the link and start a session for its account, ending the browser's previous one;
    returns the session's key."""
    now = utcnow()
    link = await spend_link(session, token, LinkPurpose.SIGN_IN, now, SPENT)
    user = await session.get_one(User, link.user_id)
    if user.state is not UserState.ACTIVE:
        raise USED
    key = await portal_sessions.start(session, user.id, settings, now, replacing)
    await session.commit()
    return key
