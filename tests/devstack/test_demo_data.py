"""Loading the demo data again changes nothing, even once a demo customer was renamed."""

import uuid

from sqlmodel import func, select

from devstack.demo_data import load_demo_data
from models.customer import Customer
from tests.conftest import SECRET_KEY, Stack


async def test_a_renamed_customer_keeps_its_contacts_on_a_second_load(stack: Stack) -> None:
    async with stack.sessions() as session:
        customer = await session.get_one(Customer, uuid.UUID(stack.customer_id))
        customer.legal_name = "Example Energy Group plc"
        await session.commit()
    again = await load_demo_data(stack.sessions, SECRET_KEY)
    assert again["customers"][0]["id"] == stack.customer_id
    assert again["customers"][0]["name"] == "Example Energy Group plc"
    assert again["customers"][0]["contacts"] == stack.demo["customers"][0]["contacts"]
    async with stack.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Customer)) == 2
