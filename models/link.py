"""Links emailed to people who act without an API token (activation, approval)."""

import uuid
from datetime import datetime

from sqlmodel import Column, Field, SQLModel

from models.enums import LinkPurpose, Side
from models.types import UTCDateTime, enum_type, utcnow


class LinkToken(SQLModel, table=True):
    __tablename__ = "link_token"

    id: int | None = Field(default=None, primary_key=True)
    purpose: LinkPurpose = Field(sa_column=Column(enum_type(LinkPurpose), nullable=False))
    nonce: str = Field(max_length=64, unique=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id", index=True)
    request_id: uuid.UUID | None = Field(default=None, foreign_key="change_request.id", index=True)
    side: Side | None = Field(default=None, sa_column=Column(enum_type(Side)))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
