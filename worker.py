"""The worker: runs every workflow and activity of Signoff on one task queue."""

import asyncio
import logging
import signal
from collections.abc import Sequence
from datetime import timedelta
from importlib import import_module
from typing import Any

import uvloop
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.worker import Interceptor, Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.approvals import ApprovalActivities
from activities.customer_data import CustomerDataActivities
from activities.email import EmailActivities, MailSettings
from activities.housekeeping import HousekeepingActivities
from activities.rendering import EmailRenderer
from activities.sign_in import SignInActivities
from activities.smtp import SmtpMailer
from activities.ticket_clock import TicketClockActivities
from activities.tickets import TicketActivities
from activities.welcome import WelcomeActivities
from models.database import SessionFactory, create_db_engine, session_factory
from models.kinds import KINDS
from settings import Settings, get_settings
from telemetry import LogContext, configure_logging
from workflows.housekeeping import PurgeExpiredWorkflow
from workflows.sign_in import SignInEmailWorkflow
from workflows.ticket_clock import TicketClockWorkflow
from workflows.ticket_notice import TicketNoticeWorkflow
from workflows.welcome import WelcomeWorkflow

# Each kind's workflow is the class its registry entry names, in the module named after it.
REQUEST_WORKFLOWS: Sequence[type] = tuple(
    getattr(import_module(f"workflows.{kind.kind.value}"), kind.workflow) for kind in KINDS.values()
)
WORKFLOWS: Sequence[type] = (
    *REQUEST_WORKFLOWS,
    PurgeExpiredWorkflow,
    TicketNoticeWorkflow,
    SignInEmailWorkflow,
    WelcomeWorkflow,
    TicketClockWorkflow,
)

log = logging.getLogger("signoff.worker")
# How long a workflow's next task waits on this worker's own (sticky) queue before any
# worker may take it: after a crash, the time until a decision reaches a live worker.
STICKY_QUEUE_TIMEOUT = timedelta(seconds=2)


def smtp_mailer(settings: Settings) -> SmtpMailer:
    return SmtpMailer(settings.smtp_host, settings.smtp_port, settings.smtp_timeout_seconds)


def build_activities(sessions: SessionFactory, settings: Settings, mailer: SmtpMailer) -> list[Any]:
    renderer = EmailRenderer()
    mail_settings = MailSettings(
        sender=settings.mail_from,
        service_team_address=settings.service_team_email,
        public_url=settings.public_url,
        link_secret=settings.secret_key,
    )
    emails = EmailActivities(sessions, renderer, mailer, mail_settings)
    sign_in = SignInActivities(sessions, renderer, mailer, mail_settings)
    welcome = WelcomeActivities(sessions, renderer, mailer, mail_settings)
    tickets = TicketActivities(sessions, settings.ticket_targets)
    clocks = TicketClockActivities(sessions, settings.ticket_targets)
    customer_data = CustomerDataActivities(sessions, settings.secret_key, settings.ticket_targets)
    approvals = ApprovalActivities(sessions, settings.secret_key)
    housekeeping = HousekeepingActivities(sessions)
    return [
        emails.send_email,
        sign_in.send_sign_in_email,
        welcome.send_welcome,
        tickets.raise_ticket,
        clocks.ticket_clock_due,
        # Each kind's change is applied by the activity named after it.
        *(getattr(customer_data, f"apply_{kind.kind.value}") for kind in KINDS.values()),
        customer_data.erase_request,
        approvals.open_approvals,
        approvals.record_approval,
        approvals.complete_approvals,
        customer_data.close_request,
        housekeeping.purge_expired,
    ]


def workflow_runner() -> SandboxedWorkflowRunner:
    """The sandbox, with its checks of every call a workflow makes, but without importing
    the workflow modules afresh for each run: they hold no state and do nothing on import,
    and the re-import was a tenth of the worker's time."""
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_all_modules()
    )


def build_worker(
    client: Client,
    sessions: SessionFactory,
    settings: Settings,
    mailer: SmtpMailer,
    task_queue: str | None = None,
    interceptors: Sequence[Interceptor] = (),
) -> Worker:
    return Worker(
        client,
        task_queue=task_queue or settings.task_queue,
        workflows=list(WORKFLOWS),
        activities=build_activities(sessions, settings, mailer),
        interceptors=interceptors,
        workflow_runner=workflow_runner(),
        graceful_shutdown_timeout=timedelta(seconds=settings.worker_shutdown_grace_seconds),
        sticky_queue_schedule_to_start_timeout=STICKY_QUEUE_TIMEOUT,
    )


def purge_schedule_id(task_queue: str) -> str:
    return f"{task_queue}-purge-expired"


async def ensure_schedules(client: Client, settings: Settings) -> None:
    """Create the housekeeping schedule, or bring it up to the current settings. It lives
    in Temporal, so it survives restarts of the worker and of the server."""
    schedule_id = purge_schedule_id(settings.task_queue)
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            PurgeExpiredWorkflow.run,
            id=schedule_id,
            task_queue=settings.task_queue,
            static_summary="Purge expired idempotent answers and failed attempts",
        ),
        spec=ScheduleSpec(
            intervals=[
                ScheduleIntervalSpec(every=timedelta(seconds=settings.purge_interval_seconds))
            ]
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
        state=ScheduleState(
            note="Deletes the answers kept for Idempotency-Key retries once they expire "
            "(SIGNOFF_IDEMPOTENCY_TTL_SECONDS), and failed attempts once they no longer count."
        ),
    )
    try:
        await client.create_schedule(schedule_id, schedule)
    except ScheduleAlreadyRunningError:

        def current(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(schedule_id).update(current)


class TemporalUnreachable(Exception):
    """The worker cannot start without Temporal."""


def runtime(settings: Settings) -> Runtime | None:
    """A runtime exporting the SDK's metrics for Prometheus, when an address is set."""
    if not settings.worker_metrics_address:
        return None
    metrics = PrometheusConfig(bind_address=settings.worker_metrics_address)
    return Runtime(telemetry=TelemetryConfig(metrics=metrics))


async def connect(settings: Settings, runtime: Runtime | None = None) -> Client:
    try:
        return await Client.connect(
            settings.temporal_address,
            namespace=settings.temporal_namespace,
            data_converter=pydantic_data_converter,
            runtime=runtime,
        )
    except RuntimeError as error:
        raise TemporalUnreachable(
            f"cannot reach Temporal at {settings.temporal_address} "
            f"(namespace {settings.temporal_namespace}): {error}"
        ) from error


async def run_worker(settings: Settings, interceptors: Sequence[Interceptor] = ()) -> None:
    """Poll until SIGTERM or SIGINT, then stop taking work and let in-flight activities end."""
    client = await connect(settings, runtime(settings))
    await ensure_schedules(client, settings)
    engine = create_db_engine(settings.database_url)
    mailer = smtp_mailer(settings)
    worker = build_worker(
        client,
        session_factory(engine),
        settings,
        mailer,
        interceptors=[LogContext(), *interceptors],
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    log.info("worker polling task queue %s", settings.task_queue)
    try:
        running = asyncio.create_task(worker.run())
        await asyncio.wait(
            [running, asyncio.create_task(stop.wait())], return_when="FIRST_COMPLETED"
        )
        if not running.done():
            log.info("stopping: finishing in-flight activities")
            await worker.shutdown()
        await running
        log.info("worker stopped")
    finally:
        await mailer.close()
        await engine.dispose()


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_json)
    try:
        # uvloop, as uvicorn runs the API: the worker's many small database and SMTP waits
        # cost less on it than on the default event loop.
        uvloop.run(run_worker(settings))
    except TemporalUnreachable as error:
        log.error("%s", error)
        raise SystemExit(1) from error


if __name__ == "__main__":
    main()
