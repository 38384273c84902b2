"""The service team's own notes: internal notes on a ticket and notes on a customer, which
no contact or approver ever sees."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlmodel import Column, Field, SQLModel

from models.common import Text
from models.types import UTCDateTime, utcnow


class TeamNote(SQLModel, table=True):
    __tablename__ = "team_note"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: uuid.UUID = Field(foreign_key="customer.id", index=True)
    # On a ticket: an internal note; none: a note on the customer.
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    author_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    body: str
    # The portal form that wrote it: the same form posted again adds no second note.
    form_key: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class NoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: Text


class NotePublic(BaseModel):
    id: int
    author_id: uuid.UUID | None
    # The team member's name, added by Signoff.
    author: str
    body: str
    created_at: datetime
