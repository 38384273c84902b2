"""A decision can reach a request in the very workflow task that starts it: Temporal applies
its messages before ``run`` begins, and the request answers them as it would a moment later."""

import asyncio
import uuid

from temporalio import activity
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from models.enums import RequestKind, RequestStatus
from models.payloads import ApplyChange, Decision, Notification, RaiseTicket, RequestInput
from worker import workflow_runner
from workflows.profile_change import ProfileChangeWorkflow


@activity.defn(name="raise_ticket")
async def raise_ticket(command: RaiseTicket) -> str:
    return "SR-1"


@activity.defn(name="send_email")
async def send_email(notification: Notification) -> bool:
    return True


@activity.defn(name="apply_profile_change")
async def apply_profile_change(command: ApplyChange) -> None:
    return None


async def test_a_decision_sent_before_any_worker_runs_is_taken(
    temporal_env: WorkflowEnvironment,
) -> None:
    client = temporal_env.client
    queue = f"first-task-{uuid.uuid4()}"
    request = RequestInput(
        request_id=str(uuid.uuid4()),
        customer_id=str(uuid.uuid4()),
        kind=RequestKind.PROFILE_CHANGE,
        requester_id=str(uuid.uuid4()),
        review_reminder_seconds=3600,
    )
    handle = await client.start_workflow(
        ProfileChangeWorkflow.run, request, id=f"first-task-{uuid.uuid4()}", task_queue=queue
    )
    implement = asyncio.create_task(
        handle.execute_update(ProfileChangeWorkflow.implement, Decision(actor="staff:1"))
    )
    await asyncio.sleep(1)  # the update now waits for the workflow's first task
    async with Worker(
        client,
        task_queue=queue,
        workflows=[ProfileChangeWorkflow],
        activities=[raise_ticket, send_email, apply_profile_change],
        workflow_runner=workflow_runner(),
    ):
        state = await asyncio.wait_for(implement, 30)
        assert state.status is RequestStatus.IMPLEMENTED
        assert await handle.result() is RequestStatus.IMPLEMENTED
