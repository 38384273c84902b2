"""Answers kept per Idempotency-Key, so that a client's retry gets the first answer."""

from datetime import datetime

from sqlalchemy import LargeBinary, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from models.types import UTCDateTime


class IdempotentAnswer(SQLModel, table=True):
    __tablename__ = "idempotent_answer"
    __table_args__ = (UniqueConstraint("caller_hash", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    # The SHA-256 of the caller's credential: keys are the caller's own, never shared.
    caller_hash: str = Field(max_length=64)
    key: str = Field(max_length=200)
    # "POST /path" and the SHA-256 of the body: the same key with another request is refused.
    route: str = Field(max_length=300)
    body_hash: str = Field(max_length=64)
    # Empty while the first request is still being answered.
    status_code: int | None = None
    content_type: str | None = Field(default=None, max_length=100)
    location: str | None = Field(default=None, max_length=300)
    body: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
