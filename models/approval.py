"""One approver's decision on a request (the approver is named in the request's data)."""

import uuid
from datetime import datetime

from sqlmodel import Column, Field, SQLModel, UniqueConstraint

from models.enums import ApprovalStatus, Side
from models.types import UTCDateTime, enum_type


class Approval(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("request_id", "side"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: uuid.UUID = Field(foreign_key="change_request.id", index=True)
    side: Side = Field(sa_column=Column(enum_type(Side), nullable=False))
    status: ApprovalStatus = Field(sa_column=Column(enum_type(ApprovalStatus), nullable=False))
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
