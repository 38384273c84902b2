"""Every email sent (or found undeliverable), keyed by the idempotency key of its Message-ID."""

import uuid
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import Index
from sqlmodel import Column, Field, SQLModel

from models.enums import EmailEvent
from models.types import UTCDateTime, enum_type


class EmailLog(SQLModel, table=True):
    __tablename__ = "email_log"
    __table_args__ = (Index("ix_email_log_customer_id_sent_at", "customer_id", "sent_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    event: EmailEvent = Field(sa_column=Column(enum_type(EmailEvent), nullable=False))
    request_id: uuid.UUID | None = Field(default=None, foreign_key="change_request.id", index=True)
    # The customer whose contact or approver it went to (the customer's Messages sent).
    customer_id: uuid.UUID | None = Field(default=None, foreign_key="customer.id", index=True)
    # Personal data: erased with the person.
    to_address: str | None = Field(default=None, max_length=320)
    subject: str = Field(max_length=300)
    message_id: str = Field(max_length=300)
    sent_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # Why it was not sent, when it could not be (the key is then handled all the same).
    failure: str | None = Field(default=None, max_length=300)


class MessagePublic(BaseModel):
    """An email sent to a customer's contact or approver, as its Messages sent list it: never
    its text, a link or a token (the log keeps none)."""

    sent_at: datetime
    # None once the person it went to was erased.
    to: str | None
    subject: str
    event: EmailEvent
    event_label: str
    # It could not be sent (an address that cannot form a header, say).
    failed: bool
