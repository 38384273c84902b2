"""A ticket's news told: the emails a ticket raised, or a comment on it, makes, sent in the
background one after another, each once (its key), however long the SMTP server is away."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.payloads import TicketNotice
    from workflows.outbox import send


@workflow.defn
class TicketNoticeWorkflow:
    """Started by the API once the ticket or comment is stored, with the workflow id of the
    news (``ticket-notice-<customer id>/<ticket number>/comment-<id>-<time>``), so that it
    runs once."""

    @workflow.run
    async def run(self, notice: TicketNotice) -> None:
        for notification in notice.notifications:
            await send(notification)
