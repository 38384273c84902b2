"""New contacts welcomed: a customer created by the service team, or imported, emails each
of its first contacts the link that activates their account."""

import asyncio
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.welcome import WelcomeActivities
    from models.payloads import Welcome, WelcomeEmail
    from workflows.steps import EMAIL_RETRY, EMAIL_TIMEOUT


@workflow.defn
class WelcomeWorkflow:
    """Started by the API or the import with the id ``welcome-<customer id>-<first contact
    id>``, so that it runs once; ends when every email is sent, or when the links have
    expired before the SMTP server took them."""

    @workflow.run
    async def run(self, welcome: Welcome) -> None:
        await asyncio.gather(
            *(
                workflow.execute_activity_method(
                    WelcomeActivities.send_welcome,
                    WelcomeEmail(contact_id=contact_id, at=welcome.at),
                    start_to_close_timeout=EMAIL_TIMEOUT,
                    # Past its link's lifetime the email is of no use: stop trying.
                    schedule_to_close_timeout=timedelta(seconds=welcome.lifetime_seconds),
                    retry_policy=EMAIL_RETRY,
                    summary="email the welcome and its activation link",
                )
                for contact_id in welcome.contact_ids
            )
        )
