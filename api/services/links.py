"""Opening an emailed link: found by the hash of its token, refused once spent or expired."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.errors import LinkProblem
from models.database import begin_write
from models.enums import LinkPurpose
from models.link import LinkToken
from models.tokens import hash_token

UNKNOWN = LinkProblem(
    404,
    "This link is not valid",
    "Check that you opened the whole link from your email. If it still does not work, "
    "contact the service team.",
)


@dataclass(frozen=True)
class SpentLink:
    """What to say when the link was used already, or has expired."""

    used: LinkProblem
    expired: LinkProblem


async def open_link(
    session: AsyncSession, token: str, purpose: LinkPurpose, now: datetime, spent: SpentLink
) -> LinkToken:
    """The link the token names, if it can still be used; a LinkProblem otherwise."""
    link = await find_link(session, token, purpose)
    check_usable(link, now, spent)
    return link


async def find_link(session: AsyncSession, token: str, purpose: LinkPurpose) -> LinkToken:
    """The link the token names, used or not; UNKNOWN if there is none for ``purpose``."""
    link = (
        await session.exec(select(LinkToken).where(LinkToken.token_hash == hash_token(token)))
    ).first()
    if link is None or link.purpose != purpose:
        raise UNKNOWN
    return link


async def spend_link(
    session: AsyncSession, token: str, purpose: LinkPurpose, now: datetime, spent: SpentLink
) -> LinkToken:
    """Use the link once, in the session's write transaction (begun here, committed by the
    caller): of two at once, one spends it and the other is told it was used."""
    await begin_write(session)
    link = await open_link(session, token, purpose, now, spent)
    claimed = await session.exec(
        update(LinkToken)
        .where(col(LinkToken.id) == link.id, col(LinkToken.used_at).is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:
        raise spent.used
    return link


def check_usable(link: LinkToken, now: datetime, spent: SpentLink) -> None:
    if link.used_at is not None:
        raise spent.used
    if link.expires_at <= now:
        raise spent.expired
