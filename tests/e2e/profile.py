"""Shared steps of the profile-change tests."""

import uuid
from typing import Any

import httpx
from sqlmodel import col, func, select

from models.customer import Customer
from models.email_log import EmailLog
from models.request import ChangeRequest
from models.ticket import Ticket
from tests.conftest import Stack

NEW_LEGAL: dict[str, Any] = {
    "name": "Example Energy Group plc",
    "address": {
        "street": "2 Turbine Road",
        "city": "Leeds",
        "postal_code": "LS1 4AP",
        "country": "GB",
    },
}
NEW_PAYMENT: dict[str, Any] = {
    "name": "Example Energy Accounts Ltd",
    "address": {"street": "PO Box 12", "city": "York", "postal_code": "YO1 7HH", "country": "GB"},
}


async def submit(
    stack: Stack,
    who: str = "Derek",
    legal: dict[str, Any] | None = None,
    payment: dict[str, Any] | None = None,
    customer_id: str | None = None,
) -> httpx.Response:
    return await stack.http.post(
        f"/customers/{customer_id or stack.customer_id}/profile-change-requests",
        json={"legal": legal or NEW_LEGAL, "payment": payment},
        headers=stack.auth(who),
    )


async def submitted(stack: Stack, **kwargs: Any) -> dict[str, Any]:
    """A request filed by Derek whose ticket is raised."""
    response = await submit(stack, **kwargs)
    assert response.status_code == 201, response.text
    return await stack.wait_for_request(
        response.json()["id"], lambda r: r["ticket_number"] is not None
    )


async def customer_row(stack: Stack) -> Customer:
    async with stack.sessions() as session:
        customer = await session.get(Customer, uuid.UUID(stack.customer_id))
        assert customer is not None
        return customer


async def count(stack: Stack, model: Any, *where: Any) -> int:
    async with stack.sessions() as session:
        total = await session.scalar(select(func.count()).select_from(model).where(*where))
        return int(total or 0)


async def tickets_for(stack: Stack, request_id: str) -> int:
    return await count(stack, Ticket, col(Ticket.request_id) == uuid.UUID(request_id))


async def emails_for(stack: Stack, request_id: str) -> int:
    return await count(stack, EmailLog, col(EmailLog.request_id) == uuid.UUID(request_id))


async def request_rows(stack: Stack) -> int:
    return await count(stack, ChangeRequest)
