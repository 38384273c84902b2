"""Emails to requesters and the service team, each sent at most once per key."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from typing import Any

import aiosmtplib
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar
from temporalio import activity

from activities.rendering import EmailRenderer
from activities.smtp import SmtpMailer, build_message, message_id
from models.approval import Approval
from models.attachment import TicketAttachment
from models.audit import AuditEvent
from models.contact import Contact
from models.customer import Customer
from models.database import SessionFactory, transaction
from models.email_log import EmailLog
from models.enums import ApprovalStatus, Audience, EmailEvent, LinkPurpose, SlaTarget, UserState
from models.kinds import KINDS
from models.link import LinkToken
from models.payloads import Notification
from models.personal_data import approver_named
from models.queries import asks_of, comment_author, purchaser_of
from models.request import ChangeRequest
from models.ticket import Ticket, TicketComment
from models.ticket_participant import TicketParticipant
from models.tokens import link_token
from models.types import utcnow
from models.user import User


@dataclass(frozen=True)
class Recipient:
    name: str
    address: str


@dataclass(frozen=True)
class MailSettings:
    sender: str
    service_team_address: str
    public_url: str
    link_secret: str


# Emails that carry the approver's own link.
_APPROVAL_LINK_EVENTS = frozenset({EmailEvent.APPROVAL_REQUEST, EmailEvent.APPROVAL_REMINDER})


def _contact_recipient(contact: Contact | None) -> Recipient | None:
    if contact is None or contact.email is None:
        return None
    return Recipient(name=contact.display_name, address=contact.email)


# eq=False: activities are registered as bound methods, which must stay hashable.
@dataclass(eq=False)
class Mailing:
    """What every email activity works with: the database, the templates, the SMTP server
    and the settings of its emails."""

    _sessions: SessionFactory
    _renderer: EmailRenderer
    _mailer: SmtpMailer
    _settings: MailSettings
    # Keys the SMTP server accepted but whose log could not be written yet (the database
    # was away): this process's retry logs them instead of sending them again.
    _sent_not_logged: set[str] = field(default_factory=set, init=False)

    async def deliver(
        self,
        key: str,
        event: EmailEvent,
        recipient: Recipient,
        context: dict[str, Any],
        at: datetime,
        customer_id: uuid.UUID | None = None,
        audited: bool = True,
    ) -> bool:
        """Send an email no request or ticket is about, and log its key as sent, with the
        customer whose contact it went to (and, ``audited``, an audit event of the
        customer's); False if a retry logged it first."""
        rendered = self._renderer.render(event, context)
        failure: str | None = None
        try:
            message = build_message(
                rendered,
                sender=self._settings.sender,
                to_name=recipient.name,
                to_address=recipient.address,
                key=key,
                at=at,
            )
        except ValueError as error:
            # A name or address that cannot form a header never will: logged, not retried.
            activity.logger.warning("email %s undeliverable: %s", key, error)
            failure = str(error)[:300]
        if failure is None and key not in self._sent_not_logged:
            await self._mailer.send(message)
            # Accepted: a retry after the log below failed must not send it again.
            self._sent_not_logged.add(key)
        try:
            async with transaction(self._sessions) as session:
                session.add(
                    EmailLog(
                        key=key,
                        event=event,
                        customer_id=customer_id,
                        to_address=recipient.address,
                        subject=rendered.subject,
                        message_id=message_id(key, self._settings.sender),
                        sent_at=at,
                        failure=failure,
                    )
                )
                if customer_id is not None and audited:
                    session.add(
                        AuditEvent(
                            customer_id=customer_id,
                            actor="system",
                            action="email_undeliverable" if failure else "email_sent",
                            detail={"event": event.value, "audience": Audience.CONTACT.value},
                            at=at,
                        )
                    )
        except IntegrityError:
            self._sent_not_logged.discard(key)
            return False
        self._sent_not_logged.discard(key)
        return failure is None


class EmailActivities(Mailing):
    @activity.defn
    async def send_email(self, notification: Notification) -> bool:
        """Send one email unless its key was sent before; True if it went out now."""
        async with self._sessions() as session:
            if await session.scalar(select(EmailLog.id).where(EmailLog.key == notification.key)):
                return False
            about = await _about(session, notification)
            if about is None:
                return False
            request, ticket = about
            if notification.comment_id is not None and not await session.get(
                TicketComment, notification.comment_id
            ):
                # Taken back by the API when it could not be sure the news was told.
                activity.logger.info("comment %s gone; email skipped", notification.comment_id)
                return False
            recipient = await self._recipient(session, notification, request)
            if recipient is None:
                activity.logger.info("no address for %s; email skipped", notification.audience)
                return False
            context = await self._context(session, notification, request, ticket, recipient)
            if not context["copied"] and await _taken_off(session, notification, ticket):
                # Taken off the ticket before the email went (the SMTP server may have been
                # away for hours): they hear nothing more of it.
                activity.logger.info("contact no longer copied; email skipped")
                return False
            if notification.event in _APPROVAL_LINK_EVENTS and context["asks"] is None:
                # Its form is erased: the request has closed, there is nothing to approve.
                activity.logger.info("request keeps no form; approval email skipped")
                return False
            if notification.event is EmailEvent.WELCOME:
                link = await self._activation_link(session, notification)
                if link is None:
                    activity.logger.info("no activation link open; welcome email skipped")
                    return False
                context.update(link)
            if notification.event in _APPROVAL_LINK_EVENTS:
                link = await self._approval_link(session, notification)
                if link is None:
                    activity.logger.info("approval link spent; email skipped")
                    return False
                context.update(link)
            if notification.event is EmailEvent.REPLY_TO_APPROVER:
                # The reply goes out all the same once the link is spent; it says so.
                spent = {"approval_url": "", "approval_expires": ""}
                context.update(await self._approval_link(session, notification) or spent)

        rendered = self._renderer.render(notification.event, context)
        try:
            message = build_message(
                rendered,
                sender=self._settings.sender,
                to_name=recipient.name,
                to_address=recipient.address,
                key=notification.key,
                at=notification.at,
            )
        except ValueError as error:
            # A stored name or address that cannot form a header never will: retrying
            # would spin for ever, so the email is logged as undeliverable instead.
            activity.logger.warning("email %s undeliverable: %s", notification.key, error)
            await self._log(about, notification, recipient, rendered.subject, str(error))
            return False
        if notification.key not in self._sent_not_logged:
            await self._send(message, notification.key)
            self._sent_not_logged.add(notification.key)
        logged = await self._log(about, notification, recipient, rendered.subject)
        self._sent_not_logged.discard(notification.key)
        return logged

    async def _send(self, message: EmailMessage, key: str) -> None:
        try:
            await self._mailer.send(message)
        except (aiosmtplib.SMTPException, OSError) as error:
            # The activity retries with backoff; this line says what waits, and why.
            activity.logger.warning(
                "email %s waits for the SMTP server (attempt %d): %s",
                key,
                activity.info().attempt,
                error,
            )
            raise

    async def _log(
        self,
        about: "About",
        notification: Notification,
        recipient: Recipient,
        subject: str,
        failure: str | None = None,
    ) -> bool:
        """Log the key as handled, with its audit event; False if a retry logged it first."""
        request, ticket = about
        detail: dict[str, Any] = {
            "event": notification.event.value,
            "audience": notification.audience.value,
        }
        if request is not None:
            customer_id = request.customer_id
        else:
            assert ticket is not None
            customer_id = ticket.customer_id
            # As the ticket's own audit event says it, so that the same people see it.
            detail.update(ticket=ticket.number, side=ticket.side.value, shared=ticket.shared)
        try:
            async with transaction(self._sessions) as session:
                # Someone erased while their email was on its way leaves no address here.
                fresh = (
                    await session.get(ChangeRequest, request.id, populate_existing=True)
                    if request
                    else None
                )
                now = await self._recipient(session, notification, fresh)
                address = recipient.address if now == recipient else None
                session.add(
                    EmailLog(
                        key=notification.key,
                        event=notification.event,
                        request_id=request.id if request else None,
                        customer_id=customer_id,
                        to_address=address,
                        subject=subject,
                        message_id=message_id(notification.key, self._settings.sender),
                        sent_at=notification.at,
                        failure=failure[:300] if failure else None,
                    )
                )
                session.add(
                    AuditEvent(
                        customer_id=customer_id,
                        request_id=request.id if request else None,
                        actor="system",
                        action="email_undeliverable" if failure else "email_sent",
                        detail=detail,
                        at=notification.at,
                    )
                )
        except IntegrityError:
            return False
        return failure is None

    async def _recipient(
        self, session: AsyncSession, notification: Notification, request: ChangeRequest | None
    ) -> Recipient | None:
        if notification.audience is Audience.SERVICE_TEAM:
            owner = await _owner(session, notification)
            if owner is not None:
                return owner
            return Recipient(name="Service team", address=self._settings.service_team_address)
        if notification.audience is Audience.CONTACT:
            assert notification.contact_id is not None
            return _contact_recipient(
                await session.get(Contact, uuid.UUID(notification.contact_id))
            )
        if request is None:
            return None
        if notification.audience is Audience.APPROVER:
            assert notification.side is not None
            if request.requested is None:
                return None
            approver = approver_named(
                KINDS[request.kind].people, request.requested, notification.side
            )
            if approver is None:
                return None
            return Recipient(name=approver.name, address=str(approver.email))
        user = await session.get(User, request.requester_id)
        if user is None:
            return None
        if user.contact_id is None:
            return Recipient(name=user.name or "", address=user.email) if user.email else None
        return _contact_recipient(await session.get(Contact, user.contact_id))

    async def _approval_link(
        self, session: AsyncSession, notification: Notification
    ) -> dict[str, str] | None:
        """The approver's own link, while it is unspent."""
        return await self._link(
            session,
            select(LinkToken).where(
                LinkToken.request_id == uuid.UUID(notification.request_id),
                LinkToken.side == notification.side,
                LinkToken.purpose == LinkPurpose.APPROVAL,
            ),
            "approval",
            "approvals",
        )

    async def _activation_link(
        self, session: AsyncSession, notification: Notification
    ) -> dict[str, str] | None:
        """The new contact's activation link, while it is unspent."""
        assert notification.contact_id is not None
        return await self._link(
            session,
            select(LinkToken)
            .join(User, col(User.id) == LinkToken.user_id)
            .where(
                User.contact_id == uuid.UUID(notification.contact_id),
                LinkToken.purpose == LinkPurpose.ACTIVATION,
            ),
            "activation",
            "activate",
        )

    async def _link(
        self, session: AsyncSession, query: SelectOfScalar[LinkToken], name: str, path: str
    ) -> dict[str, str] | None:
        open_links = query.where(col(LinkToken.used_at).is_(None), LinkToken.expires_at > utcnow())
        link = (await session.exec(open_links)).first()
        if link is None:
            return None
        token = link_token(self._settings.link_secret, link.nonce)
        return {
            f"{name}_url": f"{self._settings.public_url}/{path}/{token}",
            f"{name}_expires": f"{link.expires_at:%d %B %Y}",
        }

    async def _context(
        self,
        session: AsyncSession,
        notification: Notification,
        request: ChangeRequest | None,
        ticket: Ticket | None,
        recipient: Recipient,
    ) -> dict[str, Any]:
        customer_id = request.customer_id if request else ticket.customer_id if ticket else None
        customer = await session.get(Customer, customer_id) if customer_id else None
        comment = (
            await session.get(TicketComment, notification.comment_id)
            if notification.comment_id is not None
            else None
        )
        # A reply's file is named, and found on the ticket's page: no email carries one.
        attached = (
            await session.scalar(
                select(TicketAttachment.filename).where(TicketAttachment.comment_id == comment.id)
            )
            if comment is not None
            else None
        )
        author, written_as = "", ""
        if comment is not None and ticket is not None:
            author, capacity = await comment_author(session, comment, ticket)
            written_as = capacity.value
        base = self._settings.public_url
        number = ticket.number if ticket and ticket.number else ""
        copied = (
            notification.audience is Audience.CONTACT
            and notification.contact_id is not None
            and ticket is not None
            and await session.scalar(
                select(TicketParticipant.id).where(
                    TicketParticipant.ticket_id == ticket.id,
                    TicketParticipant.contact_id == uuid.UUID(notification.contact_id),
                )
            )
            is not None
        )
        context = {
            "side": notification.side.value if notification.side else "",
            "recipient_name": recipient.name,
            "customer_name": customer.legal_name if customer else "",
            "ticket_number": number,
            "ticket_subject": ticket.subject if ticket and not request else "",
            "ticket_url": f"{base}/portal/tickets/{number}",
            # A raised ticket's own text is its first message (bodies are not kept).
            "comment": comment.body
            if comment
            else ticket.body
            if ticket and notification.event is EmailEvent.TICKET_RAISED
            else "",
            "comment_author": author,
            "comment_capacity": written_as,
            "attachment_name": attached or "",
            "kind": "",
            "request_id": "",
            "status": "",
            "request_url": "",
            "purchaser_name": "",
            "responsibility": "",
            "asks": None,
            "rejected_by": "",
            "approvers": 0,
            "roles_moved": "",
            "on_behalf_reason": "",
            # The recipient is copied on the ticket (not its raiser).
            "copied": copied,
            "sla_target": notification.sla_target.label.lower() if notification.sla_target else "",
            "sla_due": _due_in_words(ticket, notification.sla_target),
        }
        if request is None:
            return context
        purchaser = await purchaser_of(session, request.customer_id)
        approvals = list(
            await session.exec(select(Approval).where(Approval.request_id == request.id))
        )
        moved = (request.outcome or {}).get("roles_moved", {}).get(notification.contact_id, [])
        return {
            **context,
            "kind": request.kind.label,
            "request_id": str(request.id),
            "status": request.status.value.replace("_", " "),
            "request_url": f"{base}/portal/requests/{request.id}",
            "purchaser_name": purchaser.name if purchaser else "",
            "responsibility": purchaser.responsibility.value if purchaser else "",
            "asks": await asks_of(session, request)
            if notification.event in _APPROVAL_LINK_EVENTS
            else None,
            "rejected_by": next(
                (a.side.value for a in approvals if a.status is ApprovalStatus.REJECTED), ""
            ),
            "approvers": len(approvals),
            "roles_moved": ", ".join(role.replace("_", " ") for role in moved),
            "on_behalf_reason": request.on_behalf_reason or "",
        }


About = tuple[ChangeRequest | None, Ticket | None]


async def _taken_off(
    session: AsyncSession, notification: Notification, ticket: Ticket | None
) -> bool:
    """An email for a contact copied on the ticket (told they are, or a reply), who is no
    longer copied on it. A reply to the contact who raised it is theirs all the same."""
    if notification.event is EmailEvent.TICKET_COPIED:
        return True
    if notification.event is not EmailEvent.TICKET_REPLY:
        return False
    raiser = (
        await session.get(User, ticket.raised_by_id) if ticket and ticket.raised_by_id else None
    )
    return raiser is None or str(raiser.contact_id) != notification.contact_id


async def _owner(session: AsyncSession, notification: Notification) -> Recipient | None:
    """The owner of the ticket the email is about, while they are an active member of the
    team: the service team's emails about an owned ticket go to them."""
    if notification.request_id is not None:
        where = Ticket.request_id == uuid.UUID(notification.request_id)
    elif notification.ticket_number is not None:
        where = Ticket.number == notification.ticket_number
    else:
        return None
    owner = await session.scalar(
        select(User).join(Ticket, col(Ticket.owner_id) == col(User.id)).where(where)
    )
    if owner is None or not owner.is_staff or owner.state is not UserState.ACTIVE:
        return None
    if owner.email is None:
        return None
    return Recipient(name=owner.name or "", address=owner.email)


def _due_in_words(ticket: Ticket | None, target: SlaTarget | None) -> str:
    """When the target a warning is about falls due, in UTC."""
    if ticket is None or target is None:
        return ""
    due = (
        ticket.first_response_due_at
        if target is SlaTarget.FIRST_RESPONSE
        else ticket.resolution_due_at
    )
    return f"{due:%d %B %Y, %H:%M} UTC" if due else ""


async def _about(session: AsyncSession, notification: Notification) -> About | None:
    """The request an email is about and its ticket, or a ticket alone; None once gone."""
    if notification.request_id is not None:
        request = await session.get(ChangeRequest, uuid.UUID(notification.request_id))
        if request is None:
            return None
        ticket = await session.scalar(select(Ticket).where(Ticket.request_id == request.id))
        return request, ticket
    ticket = await session.scalar(select(Ticket).where(Ticket.number == notification.ticket_number))
    return (None, ticket) if ticket is not None else None
