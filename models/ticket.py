"""Tickets with the service team, and their comments."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlmodel import Column, Field, SQLModel

from models.common import Line, Text
from models.enums import Capacity, CommentKind, Side
from models.types import UTCDateTime, enum_type, utcnow


class Ticket(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    number: str | None = Field(default=None, max_length=32, unique=True)
    customer_id: uuid.UUID = Field(foreign_key="customer.id", index=True)
    # At most one ticket per change request: the guard that makes raising it idempotent.
    request_id: uuid.UUID | None = Field(default=None, foreign_key="change_request.id", unique=True)
    side: Side = Field(sa_column=Column(enum_type(Side), nullable=False))
    shared: bool = False
    subject: str = Field(max_length=200)
    body: str
    raised_by_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    # The portal form that raised it: the same form posted again raises no second ticket.
    form_key: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class TicketComment(SQLModel, table=True):
    __tablename__ = "ticket_comment"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    author_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    kind: CommentKind = Field(sa_column=Column(enum_type(CommentKind), nullable=False))
    # The approver's side, for comments from an approval page (approvers are not users).
    side: Side | None = Field(default=None, sa_column=Column(enum_type(Side)))
    body: str
    # The portal form that wrote it: the same form posted again adds no second comment.
    form_key: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


def ticket_number(ticket_id: int) -> str:
    return f"SO-{ticket_id:05d}"


class CommentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: Text
    # The service team's reply to the approver of this side (on a request's ticket), who is
    # emailed it and sees it on their approval page.
    to_approver: Side | None = None


class CommentPublic(BaseModel):
    id: int
    author_id: uuid.UUID | None
    author: str
    capacity: Capacity
    kind: CommentKind
    to_approver: Side | None = None
    body: str
    created_at: datetime


class TicketPublic(BaseModel):
    number: str
    customer_id: uuid.UUID
    request_id: uuid.UUID | None
    side: Side
    shared: bool
    # Which organisations' contacts see it (the other side only when its raiser shared it).
    visible_to: list[Side]
    subject: str
    body: str
    created_at: datetime
    comments: list[CommentPublic]


class TicketCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: Line
    body: Text
    shared: bool = False
