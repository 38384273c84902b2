"""Contacts copied on a ticket: they hear of the service team's replies as its raiser does."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from models.enums import Side
from models.types import UTCDateTime, utcnow


class TicketParticipant(SQLModel, table=True):
    __tablename__ = "ticket_participant"
    __table_args__ = (UniqueConstraint("ticket_id", "contact_id"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    contact_id: uuid.UUID = Field(foreign_key="contact.id", index=True)
    added_by_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    added_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class ParticipantCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contact_id: uuid.UUID


class ParticipantPublic(BaseModel):
    contact_id: uuid.UUID
    name: str
    side: Side
    added_at: datetime
