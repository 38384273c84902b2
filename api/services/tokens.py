"""A person's own API tokens: listed, created (shown once, stored only as a hash), revoked."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.errors import NotFound
from api.identity import Principal
from models.audit import AuditEvent
from models.database import begin_write
from models.tokens import generate_token, hash_token
from models.types import utcnow
from models.user import ApiToken, ApiTokenCreate


@dataclass(frozen=True)
class TokenListed:
    """One of the person's tokens, as their list shows it: never the token itself."""

    id: int
    name: str | None
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class TokenCreated:
    """A new token, with the only copy of its value there will ever be."""

    id: int
    name: str
    token: str


async def own_tokens(session: AsyncSession, principal: Principal) -> list[TokenListed]:
    """The caller's tokens, newest first."""
    rows = await session.exec(
        select(ApiToken)
        .where(ApiToken.user_id == principal.user_id)
        .order_by(col(ApiToken.created_at).desc(), col(ApiToken.id).desc())
    )
    return [
        TokenListed(
            id=row.id or 0, name=row.name, created_at=row.created_at, revoked_at=row.revoked_at
        )
        for row in rows
    ]


class AlreadyMade(Exception):
    """The form that made a token was posted again: no second token, and the first is never
    shown again."""


async def create_token(
    session: AsyncSession, principal: Principal, form: ApiTokenCreate, form_key: str
) -> TokenCreated:
    """A new token for the caller; only its hash is stored, so the value returned here is
    the one and only time anyone sees it. ``form_key`` names the form that asks: asked again
    by the same form, it raises AlreadyMade."""
    now = utcnow()
    token = generate_token()
    await begin_write(session)
    made = await session.scalar(select(ApiToken.id).where(ApiToken.form_key == form_key))
    if made is not None:
        await session.rollback()
        raise AlreadyMade(form_key)
    row = ApiToken(
        user_id=principal.user_id,
        token_hash=hash_token(token),
        name=form.name,
        form_key=form_key,
        created_at=now,
    )
    session.add(row)
    try:
        await session.flush()
    except IntegrityError as error:
        await session.rollback()
        raise AlreadyMade(form_key) from error
    assert row.id is not None
    _audit(session, principal, "api_token_created", row.id, now)
    await session.commit()
    return TokenCreated(id=row.id, name=form.name, token=token)


async def revoke_token(session: AsyncSession, principal: Principal, token_id: int) -> None:
    """Revoke one of the caller's own tokens (again changes nothing); another's answers 404,
    as if it did not exist."""
    row = await session.get(ApiToken, token_id)
    if row is None or row.user_id != principal.user_id:
        raise NotFound("token not found")
    if row.revoked_at is not None:
        return
    now = utcnow()
    await begin_write(session)
    revoked = await session.exec(
        update(ApiToken)
        .where(
            col(ApiToken.id) == token_id,
            col(ApiToken.user_id) == principal.user_id,
            col(ApiToken.revoked_at).is_(None),
        )
        .values(revoked_at=now)
    )
    if revoked.rowcount == 1:
        _audit(session, principal, "api_token_revoked", token_id, now)
    await session.commit()


def _audit(
    session: AsyncSession, principal: Principal, action: str, token_id: int, at: datetime
) -> None:
    """A contact's tokens open their customer's data: its audit trail keeps their making and
    revoking (by id only). The service team's belong to no customer."""
    if principal.customer_id is None:
        return
    session.add(
        AuditEvent(
            customer_id=principal.customer_id,
            actor=principal.actor,
            action=action,
            detail={"api_token": token_id},
            at=at,
        )
    )
