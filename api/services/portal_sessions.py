"""Portal sessions: started at sign-in, found by the hash of the cookie's key, ended by
signing out, by their idle or absolute timeout, or with the person's account."""

import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.identity import Principal, principal_of
from models.contact import Contact
from models.database import SessionFactory, begin_write, transaction
from models.enums import UserState
from models.portal_session import PortalSession
from models.tokens import hash_token
from models.types import utcnow
from models.user import User
from settings import Settings

# Being active refreshes the idle timeout, but writes at most this often.
TOUCH_EVERY = timedelta(minutes=1)
log = logging.getLogger("signoff.portal")


@dataclass(frozen=True)
class SignedIn:
    """A signed-in person: who they are to the access policy, and to themselves."""

    session_id: int
    principal: Principal
    name: str
    email: str
    # Its idle timeout is due a refresh (``touch``), at most every ``TOUCH_EVERY``.
    touch_due: bool = False


async def start(
    session: AsyncSession,
    user_id: uuid.UUID,
    settings: Settings,
    now: datetime,
    replacing: str | None = None,
) -> str:
    """A new session (a new key at every sign-in), ending the one the browser held before;
    returns its key, for the cookie only. The caller commits."""
    if replacing:
        await session.exec(
            update(PortalSession)
            .where(
                col(PortalSession.key_hash) == hash_token(replacing),
                col(PortalSession.ended_at).is_(None),
            )
            .values(ended_at=now)
        )
    key = secrets.token_urlsafe(32)
    session.add(
        PortalSession(
            key_hash=hash_token(key),
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(seconds=settings.session_absolute_seconds),
        )
    )
    return key


async def signed_in(session: AsyncSession, key: str, settings: Settings) -> SignedIn | None:
    """The person whose live session ``key`` opens; None if it has ended or timed out."""
    now = utcnow()
    row = (
        await session.exec(
            select(PortalSession, User, Contact)
            .join(User, col(User.id) == PortalSession.user_id)
            .outerjoin(Contact, col(Contact.id) == User.contact_id)
            .where(
                PortalSession.key_hash == hash_token(key),
                col(PortalSession.ended_at).is_(None),
                PortalSession.expires_at > now,
                PortalSession.last_seen_at > now - timedelta(seconds=settings.session_idle_seconds),
                User.state == UserState.ACTIVE,
            )
        )
    ).first()
    if row is None:
        return None
    portal_session, user, contact = row
    principal = principal_of(user, contact)
    if principal is None:
        return None
    assert portal_session.id is not None
    return SignedIn(
        session_id=portal_session.id,
        principal=principal,
        name=contact.display_name if contact else user.name or "",
        email=(contact.email if contact else user.email) or "",
        touch_due=now - portal_session.last_seen_at > TOUCH_EVERY,
    )


async def touch(sessions: SessionFactory, session_id: int, now: datetime) -> None:
    """Refresh a session's idle timeout, once its page has been answered: reading a page never
    waits for a write. A database too busy to take the write skips it; the next page tries
    again, long before the idle timeout."""
    try:
        async with transaction(sessions) as session:
            await session.exec(
                update(PortalSession)
                .where(col(PortalSession.id) == session_id)
                .values(last_seen_at=now)
            )
    except OperationalError as error:
        log.warning("portal session %s: idle timeout not refreshed (%s)", session_id, error)


async def end(session: AsyncSession, key: str) -> None:
    """Sign out: the session's key opens nothing from now on."""
    await begin_write(session)
    await session.exec(
        update(PortalSession)
        .where(
            col(PortalSession.key_hash) == hash_token(key), col(PortalSession.ended_at).is_(None)
        )
        .values(ended_at=utcnow())
    )
    await session.commit()
