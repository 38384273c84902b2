"""The service team's customer directory over real HTTP: searching by name, ticket number and
a contact's email; a customer's page with its profile, contacts, requests, tickets and audit
trail; the audit trail's CSV as the JSON API answers it; contacts find none of it."""

import html

import httpx

from tests.conftest import Stack
from tests.e2e.profile import NEW_LEGAL, submitted
from tests.portal.test_requests import olive, sam
from tests.portal.test_sign_in import browser, derek, sign_in

ENERGY, NORTHWIND = "Example Energy plc", "Northwind Metals Ltd"


def link_to(customer_id: str) -> str:
    return f'href="/portal/customers/{customer_id}"'


async def search(client: httpx.AsyncClient, query: str) -> str:
    page = await client.get("/portal/customers", params={"q": query})
    assert page.status_code == 200, page.text
    return page.text


async def test_the_directory_finds_customers_by_name_ticket_and_contact_email(
    stack: Stack,
) -> None:
    filed = await submitted(stack)
    number = filed["ticket_number"]
    energy, northwind = link_to(stack.customer_id), link_to(stack.other_customer_id)
    async with browser(stack) as team:
        await sign_in(stack, team, sam(stack))
        home = await team.get("/portal/queue")
        assert '<a href="/portal/customers">Customers</a>' in home.text

        everyone = await team.get("/portal/customers")
        assert everyone.status_code == 200
        assert "<h1>Customers</h1>" in everyone.text
        assert '<label for="f-q">Search customers</label>' in everyone.text
        assert ">Search</button>" in everyone.text
        assert energy in everyone.text and northwind in everyone.text
        assert everyone.text.index(ENERGY) < everyone.text.index(NORTHWIND)

        for query, found, not_found in (
            ("example ENERGY", energy, northwind),
            ("metals", northwind, energy),
            (f" {number.lower()} ", energy, northwind),
            (olive(stack).upper(), northwind, energy),
            (derek(stack)["email"], energy, northwind),
        ):
            text = await search(team, query)
            assert found in text and not_found not in text, query
        nothing = await search(team, "SO-99999")
        assert energy not in nothing and northwind not in nothing
        assert "No customer matches" in nothing
        # A name's wildcard characters are the characters themselves.
        wild = await search(team, "%")
        assert energy not in wild and northwind not in wild


async def test_the_json_directory_is_the_service_teams(stack: Stack) -> None:
    answer = await stack.http.get("/customers", headers=stack.auth("Sam"))
    assert answer.status_code == 200, answer.text
    listed = {item["legal_name"]: item for item in answer.json()}
    assert set(listed) >= {ENERGY, NORTHWIND}
    energy = listed[ENERGY]
    assert energy["id"] == stack.customer_id and energy["city"] == "Manchester"
    assert energy["country"] == "GB" and energy["purchaser_name"] is None
    assert energy["contacts"] == 4 and energy["open_requests"] == 0
    await submitted(stack)
    found = await stack.http.get(
        "/customers", params={"q": "teresa.echie@ENERGY.example.com"}, headers=stack.auth("Sam")
    )
    assert [item["legal_name"] for item in found.json()] == [ENERGY]
    assert found.json()[0]["open_requests"] == 1
    for who in ("Derek", "Olive"):
        refused = await stack.http.get("/customers", headers=stack.auth(who))
        assert refused.status_code == 403, refused.text


async def test_a_customers_page_shows_its_profile_contacts_requests_tickets_and_audit(
    stack: Stack,
) -> None:
    filed = await submitted(stack)
    number = filed["ticket_number"]
    async with browser(stack) as team:
        await sign_in(stack, team, sam(stack))
        page = await team.get(f"/portal/customers/{stack.customer_id}")
        assert page.status_code == 200, page.text
        text = html.unescape(page.text)
        assert f"<h1>{ENERGY}</h1>" in text
        assert "1 Generator Way" in text and "M1 1AA Manchester" in text
        assert "No purchaser organisation is assigned." in text
        for contact in stack.demo["customers"][0]["contacts"]:
            assert contact["email"] in text
        assert "Management, Cust Admin" in text and "Managing Director" in text
        open_part = text.split('id="tickets-heading"')[0]
        assert f'href="/portal/requests/{filed["id"]}"' in open_part
        assert "Open requests, newest first: 1" in text
        assert f'href="/portal/tickets/{number}"' in text
        assert "Audit trail" in text and "Ticket raised" in text
        assert f'href="/portal/customers/{stack.customer_id}/audit.csv"' in text
        assert "Download the audit trail (CSV)" in text
        assert NORTHWIND not in text and olive(stack) not in text
        assert 'aria-current="page">Customers' in text

        other = await team.get(f"/portal/customers/{stack.other_customer_id}")
        assert other.status_code == 200 and olive(stack) in other.text
        assert filed["id"] not in other.text
        missing = await team.get("/portal/customers/00000000-0000-0000-0000-000000000000")
        assert missing.status_code == 404
        assert (await team.get("/portal/customers/not-an-id")).status_code == 404


async def test_the_csv_download_is_the_apis_csv(stack: Stack) -> None:
    await submitted(stack, legal=NEW_LEGAL)
    async with browser(stack) as team:
        await sign_in(stack, team, sam(stack))
        download = await team.get(f"/portal/customers/{stack.customer_id}/audit.csv")
    api = await stack.http.get(
        f"/customers/{stack.customer_id}/audit",
        headers={**stack.auth("Sam"), "Accept": "text/csv"},
    )
    assert download.status_code == api.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert download.headers["content-disposition"] == (
        f'attachment; filename="audit-{stack.customer_id}.csv"'
    )
    assert download.content == api.content
    assert download.text.startswith("at,request_id,actor,action,detail")
    assert "ticket_raised" in download.text


async def test_contacts_find_no_customer_pages(stack: Stack) -> None:
    paths = (
        "/portal/customers",
        "/portal/customers?q=energy",
        f"/portal/customers/{stack.customer_id}",
        f"/portal/customers/{stack.customer_id}/audit.csv",
        f"/portal/customers/{stack.other_customer_id}",
    )
    async with browser(stack) as contact:
        await sign_in(stack, contact, derek(stack)["email"])
        home = await contact.get("/portal/profile")
        assert 'href="/portal/customers"' not in home.text
        for path in paths:
            answer = await contact.get(path)
            assert answer.status_code == 404, path
            assert "text/csv" not in answer.headers["content-type"], path
    async with browser(stack) as nobody:
        answer = await nobody.get(f"/portal/customers/{stack.customer_id}")
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/portal/sign-in?next=")
