"""A new contact welcomed: each contact a customer was created or imported with is emailed
the link that activates their account."""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.welcome import WelcomeActivities
    from models.payloads import WelcomeEmail
    from workflows.steps import EMAIL_RETRY, EMAIL_TIMEOUT


@workflow.defn
class WelcomeWorkflow:
    """Started by the API or the import with the id ``welcome-<contact id>``, so that it
    runs once for each contact, however often it is asked for; ends when the email is sent,
    or is of no use (the link spent or expired, the contact never stored or erased)."""

    @workflow.run
    async def run(self, email: WelcomeEmail) -> bool:
        return await workflow.execute_activity_method(
            WelcomeActivities.send_welcome,
            email,
            start_to_close_timeout=EMAIL_TIMEOUT,
            # Past its link's lifetime the email is of no use: stop trying.
            schedule_to_close_timeout=timedelta(seconds=email.lifetime_seconds),
            retry_policy=EMAIL_RETRY,
            summary="email the welcome and its activation link",
        )
