"""The audit trail: who did what to which request, and when; never who a person was."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import JSON, Column, Field, SQLModel

from models.ticket import Ticket
from models.types import UTCDateTime


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: uuid.UUID = Field(foreign_key="customer.id", index=True)
    request_id: uuid.UUID | None = Field(default=None, foreign_key="change_request.id", index=True)
    # "user:<id>", "staff:<id>", "approver:<side>" or "system": ids and sides only.
    actor: str = Field(max_length=80)
    action: str = Field(max_length=80)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class AuditEventPublic(BaseModel):
    request_id: uuid.UUID | None
    actor: str
    action: str
    detail: dict[str, Any]
    at: datetime


def ticket_event(
    ticket: Ticket, action: str, at: datetime, actor: str = "system", **detail: Any
) -> AuditEvent:
    """An event on a ticket, saying of it what the access policy needs to know who may see
    the event (its side, whether it is shared)."""
    return AuditEvent(
        customer_id=ticket.customer_id,
        request_id=ticket.request_id,
        actor=actor,
        action=action,
        detail={
            "ticket": ticket.number,
            "side": ticket.side.value,
            "shared": ticket.shared,
            **detail,
        },
        at=at,
    )
