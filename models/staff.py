"""The service team's own accounts, as the API reads and shows them. They are rows of
``user_account`` (``models.user.User``) with ``is_staff`` set and a name and email of their
own; a team admin (``is_admin``) manages the team."""

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from models.common import Line
from models.contact_fields import Email
from models.enums import UserState
from models.user import User


class StaffCreate(BaseModel):
    """A member to add to the team (or to bring back, if their email was deactivated)."""

    model_config = ConfigDict(extra="forbid")

    name: Line
    email: Email
    # A team admin manages the team and may archive customers.
    admin: bool = False


class StaffPublic(BaseModel):
    """A member of the team: ``active`` until deactivated."""

    id: uuid.UUID
    name: str
    email: str
    admin: bool
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> "StaffPublic":
        return cls(
            id=user.id,
            name=user.name or "",
            email=user.email or "",
            admin=user.is_admin,
            active=user.state is UserState.ACTIVE,
            created_at=user.created_at,
        )


class Enrolment(StrEnum):
    """What adding a member did: a new account, a deactivated one brought back, or (the
    command line only) an active one's name and role set anew."""

    CREATED = "created"
    REACTIVATED = "reactivated"
    UPDATED = "updated"


# The words a refusal is given in, by the API, the portal and the command line alike.
EMAIL_IN_USE = "this email is already used by another account"
ALREADY_ON_THE_TEAM = "a member of the team already has this email"
LAST_ADMIN = (
    "the last active team admin cannot be deactivated or stop being an admin: make another "
    "member a team admin first"
)
