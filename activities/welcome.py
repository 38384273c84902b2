"""The welcome email of a contact a new customer was created or imported with: its
activation link, sent once, never once the link is spent or expired."""

import uuid
from datetime import timedelta

from sqlmodel import col, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.email import Mailing, Recipient
from models.contact import Contact
from models.customer import Customer
from models.email_log import EmailLog
from models.enums import EmailEvent, LinkPurpose
from models.link import LinkToken
from models.payloads import WelcomeEmail
from models.tokens import link_token
from models.types import utcnow
from models.user import User

# How long a welcome waits for its contact to be stored; past it, the contact never was.
NOT_STORED_YET = timedelta(minutes=10)


class WelcomeActivities(Mailing):
    @activity.defn
    async def send_welcome(self, email: WelcomeEmail) -> bool:
        """Email the contact their activation link once; False if it was sent before, or
        is of no use now (the link spent or expired, the contact erased)."""
        key = f"welcome-{email.contact_id}"
        async with self._sessions() as session:
            if await session.scalar(select(EmailLog.id).where(EmailLog.key == key)):
                return False
            contact = await session.get(Contact, uuid.UUID(email.contact_id))
            if contact is None and utcnow() - email.at < NOT_STORED_YET:
                # The welcome is asked for before the contact's transaction commits, so
                # that no contact is ever stored without one: wait for it.
                raise ApplicationError("the contact is not stored yet", type="NotStoredYet")
            link = (
                await session.exec(
                    select(LinkToken)
                    .join(User, col(User.id) == LinkToken.user_id)
                    .where(
                        User.contact_id == uuid.UUID(email.contact_id),
                        LinkToken.purpose == LinkPurpose.ACTIVATION,
                        col(LinkToken.used_at).is_(None),
                        LinkToken.expires_at > utcnow(),
                    )
                )
            ).first()
            if contact is None or contact.email is None or link is None:
                activity.logger.info("no activation link open; welcome email skipped")
                return False
            customer = await session.get_one(Customer, contact.customer_id)
            recipient = Recipient(name=contact.display_name, address=contact.email)
            token = link_token(self._settings.link_secret, link.nonce)
            context = {
                "recipient_name": recipient.name,
                "customer_name": customer.legal_name,
                "activation_url": f"{self._settings.public_url}/activate/{token}",
                "activation_expires": f"{link.expires_at:%d %B %Y}",
                "ticket_number": "",
                "request_url": "",
                "kind": "",
            }
        return await self.deliver(
            key, EmailEvent.WELCOME, recipient, context, email.at, contact.customer_id
        )
