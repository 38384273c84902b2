"""A customer's audit trail: who changed what on its requests, and when, without names."""

import csv
import io
import json
import uuid

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.errors import Forbidden
from api.identity import Principal
from api.services.customers import load_customer
from models.access import may_read_audit, sees_audit_event
from models.audit import AuditEvent, AuditEventPublic

CSV_COLUMNS = ("at", "request_id", "actor", "action", "detail")


async def audit_trail(
    session: AsyncSession, principal: Principal, customer_id: uuid.UUID
) -> list[AuditEventPublic]:
    """Oldest first. The service team and the customer's Management may read it."""
    await load_customer(session, principal, customer_id)
    if not may_read_audit(principal, customer_id):
        raise Forbidden("only the service team and the customer's Management may read its audit")
    events = await session.exec(
        select(AuditEvent)
        .where(AuditEvent.customer_id == customer_id)
        .order_by(col(AuditEvent.at), col(AuditEvent.id))
    )
    return [
        AuditEventPublic.model_validate(event, from_attributes=True)
        for event in events
        if sees_audit_event(principal, event.action, event.detail or {})
    ]


def as_csv(events: list[AuditEventPublic]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for event in events:
        writer.writerow(
            (
                event.at.isoformat(),
                str(event.request_id) if event.request_id else "",
                event.actor,
                event.action,
                json.dumps(event.detail, sort_keys=True),
            )
        )
    return out.getvalue()
