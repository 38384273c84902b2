"""The portal's sign-in emails: one per link asked for, sent once, never after the link is
spent or expired."""

from urllib.parse import urlencode

from sqlmodel import select
from temporalio import activity

from activities.email import Mailing, Recipient
from models.contact import Contact
from models.email_log import EmailLog
from models.enums import EmailEvent, LinkPurpose
from models.link import LinkToken
from models.payloads import SignInEmail
from models.tokens import link_token
from models.types import utcnow
from models.user import User


class SignInActivities(Mailing):
    @activity.defn
    async def send_sign_in_email(self, email: SignInEmail) -> bool:
        """Email the sign-in link once; False if it was sent before, or is of no use now."""
        async with self._sessions() as session:
            link = await session.get(LinkToken, email.link_id)
            # With its time: the ids of purged links may be handed out again.
            key = f"sign-in-{email.link_id}-{email.at:%Y%m%dT%H%M%S%f}"
            if await session.scalar(select(EmailLog.id).where(EmailLog.key == key)):
                return False
            if (
                link is None
                or link.purpose is not LinkPurpose.SIGN_IN
                or link.used_at is not None
                or link.expires_at <= utcnow()
            ):
                activity.logger.info("sign-in link %s spent; email skipped", email.link_id)
                return False
            user = await session.get_one(User, link.user_id)
            contact = await session.get(Contact, user.contact_id) if user.contact_id else None
            recipient = (
                Recipient(name=contact.display_name, address=contact.email)
                if contact is not None and contact.email
                else Recipient(name=user.name or "", address=user.email)
                if user.email
                else None
            )
            if recipient is None:
                return False
            token = link_token(self._settings.link_secret, link.nonce)
            url = f"{self._settings.public_url}/portal/sign-in/{token}"
            if email.next_path:
                url += "?" + urlencode({"next": email.next_path})
            minutes = max(1, round((link.expires_at - link.created_at).total_seconds() / 60))
        context = {
            "recipient_name": recipient.name,
            "sign_in_url": url,
            "sign_in_minutes": minutes,
            "ticket_number": "",
            "request_url": "",
            "kind": "",
            "customer_name": "",
        }
        # A contact's sign-in email is among their customer's Messages sent, but not in its
        # audit trail: the customer's Management would read there when colleagues sign in.
        customer_id = contact.customer_id if contact is not None else None
        return await self.deliver(
            key, EmailEvent.SIGN_IN, recipient, context, email.at, customer_id, audited=False
        )
