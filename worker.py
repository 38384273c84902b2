"""The worker: runs every workflow and activity of Signoff on one task queue."""

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Interceptor, Worker

from activities.approvals import ApprovalActivities
from activities.customer_data import CustomerDataActivities
from activities.email import EmailActivities, MailSettings
from activities.mail import EmailRenderer, SmtpMailer
from activities.tickets import TicketActivities
from models.database import SessionFactory, create_db_engine, session_factory
from settings import Settings, get_settings
from workflows.contact_change import ContactChangeWorkflow
from workflows.profile_change import ProfileChangeWorkflow
from workflows.purchaser_addition import PurchaserAdditionWorkflow
from workflows.purchaser_removal import PurchaserRemovalWorkflow

WORKFLOWS: Sequence[type] = (
    ProfileChangeWorkflow,
    ContactChangeWorkflow,
    PurchaserAdditionWorkflow,
    PurchaserRemovalWorkflow,
)

log = logging.getLogger("signoff.worker")


def build_activities(sessions: SessionFactory, settings: Settings) -> list[Any]:
    emails = EmailActivities(
        sessions,
        EmailRenderer(),
        SmtpMailer(settings.smtp_host, settings.smtp_port, settings.smtp_timeout_seconds),
        MailSettings(
            sender=settings.mail_from,
            service_team_address=settings.service_team_email,
            public_url=settings.public_url,
            link_secret=settings.secret_key,
        ),
    )
    tickets = TicketActivities(sessions)
    customer_data = CustomerDataActivities(sessions, settings.secret_key)
    approvals = ApprovalActivities(sessions, settings.secret_key)
    return [
        emails.send_email,
        tickets.raise_ticket,
        customer_data.apply_profile_change,
        customer_data.apply_contact_change,
        customer_data.apply_purchaser_addition,
        customer_data.apply_purchaser_removal,
        customer_data.erase_request,
        approvals.open_approvals,
        approvals.record_approval,
        approvals.complete_approvals,
        customer_data.close_request,
    ]


def build_worker(
    client: Client,
    sessions: SessionFactory,
    settings: Settings,
    task_queue: str | None = None,
    interceptors: Sequence[Interceptor] = (),
) -> Worker:
    return Worker(
        client,
        task_queue=task_queue or settings.task_queue,
        workflows=list(WORKFLOWS),
        activities=build_activities(sessions, settings),
        interceptors=interceptors,
    )


async def connect(settings: Settings) -> Client:
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
    )


async def run_worker(settings: Settings) -> None:
    client = await connect(settings)
    engine = create_db_engine(settings.database_url)
    worker = build_worker(client, session_factory(engine), settings)
    log.info("worker polling task queue %s", settings.task_queue)
    try:
        await worker.run()
    finally:
        await engine.dispose()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(run_worker(get_settings()))


if __name__ == "__main__":
    main()
