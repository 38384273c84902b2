"""Who is calling, and what the roles of the design let them do."""

import uuid
from dataclasses import dataclass

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.errors import Forbidden, NotFound
from models.contact import Contact
from models.enums import REQUESTER_ROLES, Role, Side, UserState
from models.tokens import hash_token
from models.user import ApiToken, User


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID
    is_staff: bool
    contact_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    side: Side | None = None
    roles: frozenset[Role] = frozenset()

    @property
    def actor(self) -> str:
        """How the audit trail and the workflows name this caller: an id, never a name."""
        return f"staff:{self.user_id}" if self.is_staff else f"user:{self.user_id}"

    def sees_customer(self, customer_id: uuid.UUID) -> bool:
        return self.is_staff or self.customer_id == customer_id


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
    if contact is None:
        return Principal(user_id=user.id, is_staff=user.is_staff)
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
    if not principal.sees_customer(customer_id):
        raise NotFound("customer not found")


def require_requester(principal: Principal, customer_id: uuid.UUID) -> None:
    require_customer(principal, customer_id)
    if principal.is_staff or not principal.roles & REQUESTER_ROLES:
        raise Forbidden("only the customer's Management or Cust Admin may request changes")


def require_staff(principal: Principal) -> None:
    if not principal.is_staff:
        raise Forbidden("only the service team may do this")
