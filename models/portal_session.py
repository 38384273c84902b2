"""Signed-in portal sessions, kept on the server; the cookie holds only a random key whose
hash is stored here."""

import uuid
from datetime import datetime

from sqlmodel import Column, Field, SQLModel

from models.types import UTCDateTime


class PortalSession(SQLModel, table=True):
    __tablename__ = "portal_session"

    id: int | None = Field(default=None, primary_key=True)
    key_hash: str = Field(max_length=64, unique=True)
    user_id: uuid.UUID = Field(foreign_key="user_account.id", index=True)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_seen_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # The absolute timeout: however active, the session ends then.
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
