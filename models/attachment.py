"""Files attached to a ticket (a signed form, a screenshot), kept in the database so that
every API process serves them."""

import uuid
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import LargeBinary
from sqlmodel import Column, Field, SQLModel

from models.types import UTCDateTime, utcnow


class TicketAttachment(SQLModel, table=True):
    __tablename__ = "ticket_attachment"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    # The reply it came with, if any.
    comment_id: int | None = Field(default=None, foreign_key="ticket_comment.id")
    # Personal data may be in its name and content: erased with the request or its uploader.
    filename: str = Field(max_length=255)
    # As its content showed it to be, never as the browser said.
    content_type: str = Field(max_length=100)
    size: int
    # Lists leave it unread (``defer``): it is read only when downloaded.
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    uploaded_by_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    # The portal form that sent it: the same form posted again stores no second copy.
    form_key: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class AttachmentPublic(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    comment_id: int | None
    uploaded_by: str
    created_at: datetime
