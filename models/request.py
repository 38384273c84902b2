"""A change request: what was asked, where it stands, and its ticket."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Index
from sqlmodel import JSON, Column, Field, SQLModel

from models.common import Text
from models.enums import RequestKind, RequestStatus
from models.ticket import OwnerPublic, TargetPublic
from models.types import UTCDateTime, enum_type, utcnow


class ChangeRequest(SQLModel, table=True):
    __tablename__ = "change_request"
    __table_args__ = (
        # Lists page through requests by age: those of a status (the queue's open ones)
        # from an index holding their order, and all of them likewise.
        Index("ix_change_request_status_created_at", "status", "created_at", "id"),
        Index("ix_change_request_created_at", "created_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    kind: RequestKind = Field(sa_column=Column(enum_type(RequestKind), nullable=False))
    status: RequestStatus = Field(sa_column=Column(enum_type(RequestStatus), nullable=False))
    customer_id: uuid.UUID = Field(foreign_key="customer.id", index=True)
    requester_id: uuid.UUID = Field(foreign_key="user_account.id")
    # The submitted data; NULL once erased (rejection or expiry).
    requested: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    # What applying it produced (ids only), so a retried apply answers the same.
    outcome: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    ticket_number: str | None = Field(default=None, max_length=32, index=True)
    workflow_id: str = Field(max_length=200)
    # The workflow id is reused by the customer's next request of this kind; the run id
    # names this request's execution.
    run_id: str | None = Field(default=None, max_length=64)
    # How many of its approvers were emailed at addresses that are not the customer's
    # contacts: what a customer may send such addresses in a day is limited.
    outside_approval_emails: int = 0
    # Why the service team filed it for the customer (None when the customer filed it).
    on_behalf_reason: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class ApprovalPublic(BaseModel):
    side: str
    status: str


class RequestPublic(BaseModel):
    id: uuid.UUID
    kind: RequestKind
    status: RequestStatus
    customer_id: uuid.UUID
    ticket_number: str | None
    existing: dict[str, Any] | None
    requested: dict[str, Any] | None
    approvals: list[ApprovalPublic]
    created_at: datetime
    updated_at: datetime


class DeclineBody(BaseModel):
    """Declining a request: the reason, which the requester is sent."""

    model_config = ConfigDict(extra="forbid")

    reason: Text


class RequestSummary(BaseModel):
    id: uuid.UUID
    kind: RequestKind
    status: RequestStatus
    ticket_number: str | None
    created_at: datetime


class RequestListItem(BaseModel):
    """A request in a list: what it is, whose, where it stands, and its ticket."""

    id: uuid.UUID
    kind: RequestKind
    status: RequestStatus
    customer_id: uuid.UUID
    customer_name: str
    ticket_number: str | None
    created_at: datetime
    updated_at: datetime
    # Its ticket's owner, and the ticket's service targets.
    owner: OwnerPublic | None = None
    targets: list[TargetPublic] = []
