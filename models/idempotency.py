"""Answers kept per Idempotency-Key, so that a client's retry gets the first answer."""

import json
import uuid
from datetime import datetime

from sqlalchemy import LargeBinary, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from models.types import UTCDateTime


class IdempotentAnswer(SQLModel, table=True):
    __tablename__ = "idempotent_answer"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    # Keys are each caller's own: the user the credential authenticated, however it is spelt.
    user_id: uuid.UUID = Field(foreign_key="user_account.id")
    key: str = Field(max_length=200)
    # "POST /path" and the SHA-256 of the body: the same key with another request is refused.
    route: str = Field(max_length=300)
    # Both NULL once erased: the answer carried a person since erased.
    body_hash: str | None = Field(default=None, max_length=64)
    # Empty while the first request is still being answered.
    status_code: int | None = None
    content_type: str | None = Field(default=None, max_length=100)
    location: str | None = Field(default=None, max_length=300)
    body: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # Purged after this; never replayed after it either.
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    erased_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))

    def erase(self, at: datetime) -> None:
        """Forget the answer but keep the key claimed, so a retry still creates nothing."""
        self.body = self.body_hash = self.content_type = None
        self.erased_at = at


def readable(body: bytes) -> str:
    """A kept answer as text, JSON escapes undone, so it can be searched for a person."""
    text = body.decode("utf-8", errors="replace")
    try:
        return json.dumps(json.loads(text), ensure_ascii=False)
    except ValueError:
        return text
