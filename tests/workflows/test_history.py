"""Workflow histories: free of personal data, and replayable by the current code."""

import json
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from devstack.outbox import CapturedMessage
from models.request import ChangeRequest
from tests.conftest import Stack
from tests.e2e.profile import NEW_LEGAL, submitted
from tests.e2e.purchaser import (
    URSULA,
    approval_links,
    approval_path,
    assign_purchaser,
    decide,
    filed_addition,
)
from tests.e2e.test_contact_change import contact_id, contacts, filed, worked_example
from tests.history_text import readable
from worker import WORKFLOWS

HISTORIES = Path(__file__).parent.parent / "histories"
NOT_YET = {"reason": "Not before the contract ends."}
SOMEONE = {"first_name": "Sam", "last_name": "Eone", "email": "sam.eone@example.com"}


async def _history(stack: Stack, request_id: str) -> WorkflowHistory:
    async with stack.sessions() as session:
        row = await session.get(ChangeRequest, uuid.UUID(request_id))
        assert row is not None
    handle = stack.temporal.get_workflow_handle(row.workflow_id, run_id=row.run_id)
    await handle.result()
    return await handle.fetch_history()


def _status_is(status: str) -> Callable[[dict[str, Any]], bool]:
    return lambda request: request["status"] == status


def _subject_has(word: str) -> Callable[[CapturedMessage], bool]:
    return lambda message: word in message.subject


async def _run_each_path(stack: Stack) -> dict[str, WorkflowHistory]:
    """One profile change per ending: declined, cancelled, implemented (with a comment)."""
    histories: dict[str, WorkflowHistory] = {}
    for path, who, action, body in (
        ("declined", "Sam", "decline", {"reason": "Ursula Ser must confirm this first."}),
        ("cancelled", "Derek", "cancel", None),
        ("implemented", "Sam", "implement", None),
    ):
        request = await submitted(stack)
        if path == "implemented":
            await stack.http.post(
                f"/tickets/{request['ticket_number']}/comments",
                json={"body": "Derek, please confirm the new street."},
                headers=stack.auth("Sam"),
            )
            await stack.wait_for_mail(lambda m: "replied" in m.subject)
        response = await stack.http.post(
            f"/requests/{request['id']}/{action}", json=body, headers=stack.auth(who)
        )
        assert response.status_code == 200, response.text
        await stack.wait_for_mail(_subject_has(path))
        histories[path] = await _history(stack, request["id"])
    return histories


async def test_histories_hold_no_personal_data_and_replay(stack: Stack) -> None:
    histories = await _run_each_path(stack)
    people = [c for customer in stack.demo["customers"] for c in customer["contacts"]]
    personal = {
        *(part for person in people for part in person["name"].split()),
        *(person["email"] for person in people),
        *(staff["email"] for staff in stack.demo["staff"]),
        "Sam Service",
        "Example Energy",
        "Generator Way",
        "Manchester",
        NEW_LEGAL["name"],
        NEW_LEGAL["address"]["street"],
        NEW_LEGAL["address"]["city"],
        "confirm the new street",
        "must confirm this first",
    }
    for path, history in histories.items():
        text = readable(history)
        leaked = sorted(value for value in personal if value in text)
        assert leaked == [], f"{path} history holds personal data: {leaked}"

    replayer = Replayer(workflows=list(WORKFLOWS), data_converter=pydantic_data_converter)
    for history in histories.values():
        await replayer.replay_workflow(history)

    _keep("profile_change", histories)


async def test_contact_change_histories_replay(stack: Stack) -> None:
    """Implemented (with welcome emails), returned then declined, and cancelled."""
    histories: dict[str, WorkflowHistory] = {}
    request = await filed(stack, worked_example(stack))
    await stack.http.post(f"/requests/{request['id']}/implement", headers=stack.auth("Sam"))
    await stack.wait_for_mail(_subject_has("Welcome"))
    histories["implemented"] = await _history(stack, request["id"])

    new_person = {"changes": [{"op": "add", "contact": SOMEONE, "roles": ["technical"]}]}
    ours = await filed(stack, new_person)
    theirs = await filed(stack, new_person, who="Olive", customer=1)
    await stack.http.post(f"/requests/{theirs['id']}/implement", headers=stack.auth("Sam"))
    returned = await stack.http.post(f"/requests/{ours['id']}/implement", headers=stack.auth("Sam"))
    assert returned.status_code == 409
    await stack.http.post(
        f"/requests/{ours['id']}/decline", json={"reason": "Taken."}, headers=stack.auth("Sam")
    )
    await stack.wait_for_mail(_subject_has("declined"))
    histories["returned_declined"] = await _history(stack, ours["id"])

    retitle = {
        "op": "update",
        "contact_id": contact_id(stack, "Ursula"),
        "fields": {"job_title": "COO"},
    }
    cancelled = await filed(stack, {"changes": [retitle]})
    await stack.http.post(f"/requests/{cancelled['id']}/cancel", headers=stack.auth("Derek"))
    await stack.wait_for_mail(_subject_has("cancelled"))
    histories["cancelled"] = await _history(stack, cancelled["id"])

    replayer = Replayer(workflows=list(WORKFLOWS), data_converter=pydantic_data_converter)
    for history in histories.values():
        await replayer.replay_workflow(history)
    _keep("contact_change", histories)


def _keep(kind: str, histories: dict[str, WorkflowHistory]) -> None:
    if os.environ.get("SIGNOFF_RECORD_HISTORIES"):
        for path, history in histories.items():
            target = HISTORIES / f"{kind}_{path}.json"
            target.write_text(json.dumps(json.loads(history.to_json()), indent=1) + "\n")


async def test_kept_histories_replay_on_the_current_code() -> None:
    """A change that would break running workflows fails here (README: Tests)."""
    files = sorted(HISTORIES.rglob("*.json"))
    assert files, "no kept histories: record them with SIGNOFF_RECORD_HISTORIES=1"
    replayer = Replayer(workflows=list(WORKFLOWS), data_converter=pydantic_data_converter)
    for file in files:
        history = WorkflowHistory.from_json(file.stem, file.read_text())
        await replayer.replay_workflow(history)


class TestPurchaserAdditionHistories:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        # The approval emails, a reminder and both approvals must come before the links
        # expire with the request: 3 s is too short when the suite runs in parallel.
        return {"approval_reminder_seconds": 1, "approval_expiry_seconds": 6}

    async def test_each_path_replays(self, stack: Stack) -> None:
        """Implemented (after reminders), rejected, expired, cancelled while awaiting, and
        declined by the service team."""
        histories: dict[str, WorkflowHistory] = {}
        for path in ("rejected", "expired", "cancelled", "declined", "implemented"):
            stack.mail.clear()
            request = await filed_addition(stack)
            links = await approval_links(stack)
            if path in ("implemented", "declined"):
                await stack.wait_for_mail(_subject_has("Reminder"))
                for side in ("customer", "purchaser"):
                    assert (await decide(stack, links[side], "approve")).status_code == 200
                await stack.wait_for_request(request["id"], lambda r: r["status"] == "in_review")
            if path == "implemented":
                await stack.http.post(
                    f"/requests/{request['id']}/implement", headers=stack.auth("Sam")
                )
                await stack.wait_for_mail(_subject_has("Welcome"))
            elif path == "declined":
                await stack.http.post(
                    f"/requests/{request['id']}/decline",
                    json={"reason": "Not this year."},
                    headers=stack.auth("Sam"),
                )
            elif path == "rejected":
                await decide(stack, links["customer"], "reject", "Not with this partner.")
            elif path == "cancelled":
                await stack.http.post(
                    f"/requests/{request['id']}/cancel", headers=stack.auth("Derek")
                )
            await stack.wait_for_request(request["id"], _status_is(path))
            await stack.wait_for_mail(_subject_has(path))
            histories[path] = await _history(stack, request["id"])

        replayer = Replayer(workflows=list(WORKFLOWS), data_converter=pydantic_data_converter)
        for history in histories.values():
            await replayer.replay_workflow(history)
        _keep("purchaser_addition", histories)


async def test_purchaser_removal_histories_replay(stack: Stack) -> None:
    """Rejected, declined, then implemented."""
    await assign_purchaser(stack)
    histories: dict[str, WorkflowHistory] = {}
    form = {
        "role_assignments": [{"contact_id": contact_id(stack, "Teresa"), "roles": ["financial"]}],
        "approver": URSULA,
    }
    url = f"/customers/{stack.customer_id}/purchaser-removal-requests"
    for path in ("rejected", "declined", "implemented"):
        stack.mail.clear()
        filed = await stack.http.post(url, json=form, headers=stack.auth("Derek"))
        assert filed.status_code == 201, filed.text
        request = filed.json()
        link = approval_path(await stack.wait_for_mail(_subject_has("approval is requested")))
        if path == "rejected":
            await decide(stack, link, "reject", "Not yet.")
        else:
            await decide(stack, link, "approve")
            await stack.wait_for_request(request["id"], _status_is("in_review"))
            action, body = ("implement", None) if path == "implemented" else ("decline", NOT_YET)
            await stack.http.post(
                f"/requests/{request['id']}/{action}", json=body, headers=stack.auth("Sam")
            )
        await stack.wait_for_request(request["id"], _status_is(path))
        await stack.wait_for_mail(_subject_has(path))
        histories[path] = await _history(stack, request["id"])

    replayer = Replayer(workflows=list(WORKFLOWS), data_converter=pydantic_data_converter)
    for history in histories.values():
        await replayer.replay_workflow(history)
    _keep("purchaser_removal", histories)


async def test_contact_change_approved_by_the_purchaser_histories_replay(stack: Stack) -> None:
    """A change to the purchaser's side: approved then implemented, and rejected."""
    await assign_purchaser(stack)
    paula = (await contacts(stack))["Paula"]["id"]
    histories: dict[str, WorkflowHistory] = {}
    for path, decision in (("purchaser_rejected", "reject"), ("purchaser_approved", "approve")):
        stack.mail.clear()
        phone = {"op": "update", "contact_id": paula, "fields": {"phone": "+44 20 7946 0999"}}
        request = await filed(stack, {"changes": [phone]})
        link = approval_path(await stack.wait_for_mail(_subject_has("approval is requested")))
        assert (await decide(stack, link, decision)).status_code == 200
        if decision == "approve":
            await stack.wait_for_request(request["id"], _status_is("in_review"))
            await stack.http.post(f"/requests/{request['id']}/implement", headers=stack.auth("Sam"))
            await stack.wait_for_request(request["id"], _status_is("implemented"))
        else:
            await stack.wait_for_request(request["id"], _status_is("rejected"))
        histories[path] = await _history(stack, request["id"])

    replayer = Replayer(workflows=list(WORKFLOWS), data_converter=pydantic_data_converter)
    for history in histories.values():
        await replayer.replay_workflow(history)
    _keep("contact_change", histories)
