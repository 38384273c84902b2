"""A request's emails, sent one after another in the order they were asked for, while the
request goes on (the SMTP server may be down for a while)."""

import asyncio
from collections.abc import Callable
from contextlib import AbstractContextManager

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.email import EmailActivities
    from models.enums import Audience, EmailEvent, Side
    from models.payloads import Notification
    from models.progress import WAITING_FOR_EMAILS
    from workflows.steps import EMAIL_RETRY, EMAIL_TIMEOUT, EMAILS_IN_BACKGROUND

WhileWaitingFor = Callable[[str], AbstractContextManager[None]]
"""Says, for as long as the ``with`` block lasts, what the request waits for."""


class Outbox:
    def __init__(self, request_id: Callable[[], str], while_waiting_for: WhileWaitingFor) -> None:
        self._request_id = request_id
        self._while_waiting_for = while_waiting_for
        self._last: asyncio.Task[None] | None = None

    async def tell(
        self,
        event: EmailEvent,
        audience: Audience,
        step: str,
        comment_id: int | None = None,
        contact_id: str | None = None,
        side: Side | None = None,
    ) -> None:
        """Queue an email; ``step`` names it within the request, once (its dedupe key)."""
        request_id = self._request_id()
        notification = Notification(
            key=f"{request_id}/{step}",
            event=event,
            audience=audience,
            request_id=request_id,
            at=workflow.now(),
            comment_id=comment_id,
            contact_id=contact_id,
            side=side,
        )
        if not workflow.patched(EMAILS_IN_BACKGROUND):
            await send(notification)
            return
        self._last = asyncio.create_task(_send_after(self._last, notification))

    async def tell_approvers(
        self, event: EmailEvent, sides: tuple[Side, ...], step: str, comment_id: int | None = None
    ) -> None:
        """Queue an email to the approver of each side; ``step`` has a ``{side}`` to fill."""
        await asyncio.gather(
            *(
                self.tell(event, Audience.APPROVER, step.format(side=side), comment_id, side=side)
                for side in sides
            )
        )

    async def tell_contacts(
        self, event: EmailEvent, contact_ids: tuple[str, ...], step: str
    ) -> None:
        """Queue an email to each contact; ``step`` has a ``{contact}`` to fill."""
        await asyncio.gather(
            *(
                self.tell(event, Audience.CONTACT, step.format(contact=c), contact_id=c)
                for c in contact_ids
            )
        )

    async def welcome(self, contact_ids: tuple[str, ...]) -> None:
        """Email each new contact the link that activates their account."""
        await self.tell_contacts(EmailEvent.WELCOME, contact_ids, "welcome-{contact}")

    async def all_sent(self) -> None:
        """Wait for the emails still queued: a run ends, or erases its data, only after them."""
        if self._last is None or self._last.done():
            return
        with self._while_waiting_for(WAITING_FOR_EMAILS):
            await self._last


async def send(notification: Notification) -> None:
    await workflow.execute_activity_method(
        EmailActivities.send_email,
        notification,
        start_to_close_timeout=EMAIL_TIMEOUT,
        retry_policy=EMAIL_RETRY,
        summary=f"email {notification.audience.value}: {notification.event.value}",
    )


async def _send_after(earlier: asyncio.Task[None] | None, notification: Notification) -> None:
    if earlier is not None:
        await earlier
    await send(notification)
