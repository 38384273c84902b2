"""A customer's Messages sent: the emails that went to its contacts and approvers, as the
email log keeps them (when, to whom, the subject, what it was; never a text, link or token)."""

import uuid

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.errors import NotFound
from api.identity import Principal
from api.services.customers import load_customer
from api.services.paging import Page
from models.access import sees_messages_sent
from models.email_log import EmailLog, MessagePublic
from models.enums import EmailEvent

PAGE_SIZE = 25
MAX_LIMIT = 100
# The customer's own people's emails: what went to the service team is the team's.
_TO_CUSTOMER = [event for event in EmailEvent if not event.to_service_team]


async def messages_sent(
    session: AsyncSession,
    principal: Principal,
    customer_id: uuid.UUID,
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> Page[MessagePublic]:
    """The service team's (anyone else is answered 404): newest first, ``limit`` of them
    from ``offset``."""
    if not sees_messages_sent(principal):
        raise NotFound("customer not found")
    await load_customer(session, principal, customer_id)
    to_customer = (
        EmailLog.customer_id == customer_id,
        col(EmailLog.event).in_(_TO_CUSTOMER),
    )
    total = await session.scalar(select(func.count()).select_from(EmailLog).where(*to_customer))
    rows = await session.exec(
        select(EmailLog)
        .where(*to_customer)
        .order_by(col(EmailLog.sent_at).desc(), col(EmailLog.id).desc())
        .offset(offset)
        .limit(limit)
    )
    items = [
        MessagePublic(
            sent_at=row.sent_at,
            to=row.to_address,
            subject=row.subject,
            event=row.event,
            event_label=row.event.label,
            failed=row.failure is not None,
        )
        for row in rows
    ]
    return Page(items, int(total or 0), limit, offset)
