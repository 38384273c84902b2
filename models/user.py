"""User accounts and their API tokens (stored only as hashes)."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict
from sqlmodel import Column, Field, SQLModel

from models.common import Line
from models.enums import UserState
from models.types import UTCDateTime, enum_type, utcnow


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # A contact's user has its name and email on the contact; staff have their own.
    contact_id: uuid.UUID | None = Field(default=None, foreign_key="contact.id", unique=True)
    is_staff: bool = False
    # A team admin manages the team and may archive customers.
    is_admin: bool = False
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    state: UserState = Field(sa_column=Column(enum_type(UserState), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    archived_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


TOKEN_NAME_MAX = 100


def _short_enough(value: str) -> str:
    if len(value) > TOKEN_NAME_MAX:
        raise ValueError(f"must be at most {TOKEN_NAME_MAX} characters")
    return value


class ApiTokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # What its owner calls it, to tell their tokens apart.
    name: Annotated[Line, AfterValidator(_short_enough)]


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="user_account.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    # What its owner calls it (tokens made before the portal have none).
    name: str | None = Field(default=None, max_length=TOKEN_NAME_MAX)
    # The portal form that made it: posting that form again makes no second token.
    form_key: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
