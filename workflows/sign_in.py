"""A portal sign-in link emailed: sent once, and only while the link can still be used."""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.sign_in import SignInActivities
    from models.payloads import SignInEmail
    from workflows.steps import EMAIL_RETRY, EMAIL_TIMEOUT


@workflow.defn
class SignInEmailWorkflow:
    """Started by the API with the id ``sign-in-<link id>-<time asked>`` (link ids may come
    again once links are purged); ends once the email is sent, or when the link has expired
    before the SMTP server took it."""

    @workflow.run
    async def run(self, email: SignInEmail) -> bool:
        return await workflow.execute_activity_method(
            SignInActivities.send_sign_in_email,
            email,
            start_to_close_timeout=EMAIL_TIMEOUT,
            # Past its link's lifetime the email is of no use: stop trying.
            schedule_to_close_timeout=timedelta(seconds=email.lifetime_seconds),
            retry_policy=EMAIL_RETRY,
            summary="email the sign-in link",
        )
