"""Tickets with the service team, and their comments."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Index, false
from sqlmodel import Column, Field, SQLModel

from models.attachment import AttachmentPublic
from models.common import Line, Text
from models.enums import Capacity, CommentKind, Side, SlaTarget, TicketStatus
from models.team_note import NotePublic
from models.ticket_participant import ParticipantPublic
from models.types import UTCDateTime, enum_type, utcnow


class Ticket(SQLModel, table=True):
    __table_args__ = (Index("ix_ticket_status_created_at", "status", "created_at"),)

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
    status: TicketStatus = Field(
        default=TicketStatus.OPEN,
        sa_column=Column(
            enum_type(TicketStatus), nullable=False, server_default=TicketStatus.OPEN.value
        ),
    )
    # A member of the service team; none: the team address hears of it.
    owner_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id", index=True)
    # The service targets (``models.sla``): when the first response is due and when it came;
    # when the resolution is due while its clock runs, and what was left of it while paused.
    first_response_due_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    first_responded_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    resolution_due_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    resolution_left_seconds: float | None = None
    # A target was missed (one still running is found late by its due time).
    breached: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    resolved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    updated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # Counts the changes to its status and targets: the clock keeps the latest it is told.
    revision: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


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


class OwnerPublic(BaseModel):
    id: uuid.UUID
    name: str


class TargetPublic(BaseModel):
    """A service target on a ticket: when it is due, and where it stands."""

    target: SlaTarget
    due_at: datetime | None
    # Seconds left while its clock is paused (waiting for the customer).
    paused_seconds_left: float | None = None
    met_at: datetime | None = None
    breached: bool


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
    raised_by_id: uuid.UUID | None = None
    created_at: datetime
    updated_at: datetime | None = None
    status: TicketStatus
    owner: OwnerPublic | None = None
    targets: list[TargetPublic] = []
    comments: list[CommentPublic]
    # Contacts copied on it: they hear of the service team's replies as its raiser does.
    participants: list[ParticipantPublic] = []
    attachments: list[AttachmentPublic] = []
    # The service team's internal notes: for the service team only (empty for anyone else).
    internal_notes: list[NotePublic] = []


class TicketAssign(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # A member of the service team, or null for nobody.
    owner_id: uuid.UUID | None


class TicketCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: Line
    body: Text
    shared: bool = False
