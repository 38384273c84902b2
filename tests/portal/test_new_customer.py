"""The New customer form over real HTTP: every problem at once beside its field and the
typed values kept, Add contact for another row, the customer created with its contacts and
each welcomed; the form is the service team's only."""

import html
from typing import Any

from sqlmodel import select

from models.customer import Customer
from tests.conftest import Stack
from tests.e2e.test_new_customer import addressed_to
from tests.portal.test_requests import csrf, sam
from tests.portal.test_sign_in import browser, derek, sign_in

PATH = "/portal/customers/new"


def customer_fields(token: str, **more: str) -> dict[str, Any]:
    return {
        "csrf_token": token,
        "name": "Harbour Lights Ltd",
        "reference": "ACC-77",
        "address.street": "2 Quay Street",
        "address.city": "Bristol",
        "address.postal_code": "BS1 4DJ",
        "address.country": "GB",
        "payment_same_as_legal": "yes",
        **more,
    }


def contact(number: int, first: str, last: str, email: str, *roles: str) -> dict[str, str]:
    key = f"new.{number}"
    fields = {f"{key}.first_name": first, f"{key}.last_name": last, f"{key}.email": email}
    return fields | {f"{key}.role.{role}": "on" for role in roles}


async def test_a_new_customer_with_two_contacts(stack: Stack) -> None:
    async with browser(stack) as team:
        await sign_in(stack, team, sam(stack))
        directory = await team.get("/portal/customers")
        assert f'<a href="{PATH}">New customer</a>' in directory.text
        form = await team.get(PATH)
        assert form.status_code == 200
        for label in (
            "Customer name",
            "Account reference",
            "Street",
            "Postal code",
            "Payment details same as legal",
            "New contact first name",
        ):
            assert f">{label}</label>" in form.text, label
        assert "Management for the new contact" in form.text
        token = csrf(form)

        more = await team.post(
            PATH,
            data=customer_fields(token, new_rows="1", add_row="yes")
            | contact(1, "Hannah", "Arbour", "hannah.arbour@harbour.example.com", "management"),
        )
        assert more.status_code == 200
        assert "New contact 2 first name" in more.text
        assert 'value="Hannah"' in more.text

        refused = await team.post(
            PATH,
            data=customer_fields(token, new_rows="2")
            | contact(1, "Hannah", "Arbour", "hannah.arbour@harbour.example.com", "management")
            | contact(2, "Felix", "Inance", derek(stack)["email"], "financial"),
        )
        assert refused.status_code == 422, refused.text
        text = html.unescape(refused.text)
        assert "This email is already used by another account." in text
        assert "Cust Admin would be held by no contact" in text
        assert 'value="Harbour Lights Ltd"' in refused.text

        # The schema's problem and the rules' at once.
        both = await team.post(
            PATH,
            data=customer_fields(token, new_rows="1")
            | contact(1, "Hannah", "Arbour", "not-an-email", "management"),
        )
        text = html.unescape(both.text)
        assert "Enter a valid email address" in text
        assert "Cust Admin would be held by no contact" in text

        created = await team.post(
            PATH,
            data=customer_fields(token, new_rows="2")
            | contact(
                1,
                "Hannah",
                "Arbour",
                "hannah.arbour@harbour.example.com",
                "management",
                "cust_admin",
            )
            | contact(
                2, "Felix", "Inance", "felix.inance@harbour.example.com", "financial", "agreement"
            ),
        )
        assert created.status_code == 303, created.text
        page = await team.get(created.headers["location"])
        assert "Harbour Lights Ltd" in page.text and "The customer is created." in page.text
    for email in ("hannah.arbour@harbour.example.com", "felix.inance@harbour.example.com"):
        welcome = await stack.wait_for_mail(addressed_to(email))
        assert any("/activate/" in link for link in welcome.links)
    async with stack.sessions() as session:
        made = (await session.exec(select(Customer).where(Customer.reference == "ACC-77"))).one()
    assert made.legal_name == "Harbour Lights Ltd"


async def test_the_form_is_the_service_teams(stack: Stack) -> None:
    async with browser(stack) as contact_browser:
        await sign_in(stack, contact_browser, derek(stack)["email"])
        assert (await contact_browser.get(PATH)).status_code == 404
