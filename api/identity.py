"""Who is calling, and the answer when the access policy (``models/access.py``) says no."""

import uuid

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.errors import Forbidden, NotFound
from models.access import Principal as Principal
from models.access import may_decide, may_file, may_manage_team, sees_customer
from models.contact import Contact
from models.enums import UserState
from models.tokens import hash_token
from models.user import ApiToken, User


async def authenticate(session: AsyncSession, token: str) -> Principal | None:
    row = (
        await session.exec(
            select(User, Contact)
            .join(ApiToken, ApiToken.user_id == User.id)  # type: ignore[arg-type]
            .outerjoin(Contact, Contact.id == User.contact_id)  # type: ignore[arg-type]
            .where(
                ApiToken.token_hash == hash_token(token),
                ApiToken.revoked_at.is_(None),  # type: ignore[union-attr]
                User.state == UserState.ACTIVE,
            )
        )
    ).first()
    if row is None:
        return None
    user, contact = row
    return principal_of(user, contact)


def principal_of(user: User, contact: Contact | None) -> Principal | None:
    """The principal an active user is; None once their contact has been removed."""
    if contact is None:
        return Principal(user_id=user.id, is_staff=user.is_staff, is_admin=user.is_admin)
    if contact.removed_at is not None:
        return None
    return Principal(
        user_id=user.id,
        is_staff=user.is_staff,
        contact_id=contact.id,
        customer_id=contact.customer_id,
        side=contact.side,
        roles=contact.role_set,
    )


def require_customer(principal: Principal, customer_id: uuid.UUID) -> None:
    """Another customer's data answers 404, as if it did not exist."""
    if not sees_customer(principal, customer_id):
        raise NotFound("customer not found")


def require_requester(principal: Principal, customer_id: uuid.UUID) -> None:
    require_customer(principal, customer_id)
    if not may_file(principal, customer_id):
        raise Forbidden("only the customer's Management or Cust Admin may request changes")


def require_staff(principal: Principal) -> None:
    if not may_decide(principal):
        raise Forbidden("only the service team may do this")


def require_team_admin(principal: Principal) -> None:
    if not may_manage_team(principal):
        raise Forbidden("only a team admin may manage the team")
