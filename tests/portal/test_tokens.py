"""The person's own pages over real HTTP: API tokens made on the page (shown once, working
on the JSON API until revoked, nobody else's to revoke), the welcome link that activates a
new contact and signs them in, and the customer's contacts."""

import re

import httpx
from sqlmodel import col, func, select

from models.contact import Contact
from models.enums import UserState
from models.user import ApiToken, User
from tests.conftest import PUBLIC_URL, Stack
from tests.e2e.test_contact_change import ANNABELLE, filed
from tests.portal.test_sign_in import derek
from tests.portal.test_tickets import OLIVE, csrf, sam, signed_in

SECRET = re.compile(r'id="new-token" class="secret" value="(so_[A-Za-z0-9_-]+)"')


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_id(page: httpx.Response, name: str) -> str:
    found = re.search(rf'<th scope="row" id="token-(\d+)">{re.escape(name)}</th>', page.text)
    assert found, page.text
    return found.group(1)


async def create(client: httpx.AsyncClient, name: str) -> httpx.Response:
    page = await client.get("/portal/tokens")
    form_key = re.search(r'name="form_key" value="([^"]+)"', page.text)
    assert form_key is not None
    data = {"csrf_token": csrf(page), "form_key": form_key.group(1), "name": name}
    return await client.post("/portal/tokens", data=data)


async def revoke(client: httpx.AsyncClient, token: str) -> httpx.Response:
    page = await client.get("/portal/tokens")
    return await client.post(f"/portal/tokens/{token}/revoke", data={"csrf_token": csrf(page)})


async def count_tokens(stack: Stack) -> int:
    async with stack.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(ApiToken)) or 0)


async def test_a_token_made_on_the_page_is_shown_once_works_and_stops_when_revoked(
    stack: Stack,
) -> None:
    async with signed_in(stack, derek(stack)["email"]) as client:
        before = await client.get("/portal/tokens")
        assert before.status_code == 200
        # The demo token was made before tokens had names.
        assert "Unnamed token" in before.text and 'for="f-name">Token name<' in before.text

        made = await create(client, "Invoice sync")
        assert made.status_code == 201, made.text
        assert made.headers["cache-control"] == "no-store"
        assert "Copy it now: it is shown only this once." in made.text
        found = SECRET.search(made.text)
        assert found, made.text
        token = found.group(1)
        mine = await stack.http.get("/tickets", headers=bearer(token))
        assert mine.status_code == 200 and mine.json() == []
        profile = await stack.http.get(f"/customers/{stack.customer_id}", headers=bearer(token))
        assert profile.status_code == 200

        listed = await client.get("/portal/tokens")
        assert token not in listed.text, "shown once, then never again"
        new_id = token_id(listed, "Invoice sync")
        assert listed.text.count(">active</span>") == 2

        revoked = await revoke(client, new_id)
        assert revoked.status_code == 303
        assert revoked.headers["location"] == "/portal/tokens?done=token-revoked"
        after = await client.get(revoked.headers["location"])
        assert "The token is revoked: it no longer works." in after.text
        assert ">revoked " in after.text and after.text.count(">Revoke</button>") == 1
        assert (await stack.http.get("/tickets", headers=bearer(token))).status_code == 401
        assert (await revoke(client, new_id)).status_code == 303, "again changes nothing"
    assert (await stack.http.get("/tickets", headers=stack.auth("Derek"))).status_code == 200


async def test_the_service_team_makes_its_own_tokens_too(stack: Stack) -> None:
    async with signed_in(stack, sam(stack)) as client:
        made = await create(client, "Back office")
        found = SECRET.search(made.text)
        assert made.status_code == 201 and found
    mine = await stack.http.get("/tickets", headers=bearer(found.group(1)))
    assert mine.status_code == 200


async def test_a_token_needs_a_name_of_at_most_100_characters(stack: Stack) -> None:
    before = await count_tokens(stack)
    async with signed_in(stack, derek(stack)["email"]) as client:
        empty = await create(client, "  ")
        assert empty.status_code == 422
        assert 'aria-invalid="true" aria-describedby="f-name-error"' in empty.text
        long = "x" * 101
        too_long = await create(client, long)
        assert too_long.status_code == 422
        assert f'value="{long}"' in too_long.text and "at most 100 characters" in too_long.text
        assert not SECRET.search(empty.text + too_long.text)
    assert await count_tokens(stack) == before


async def test_nobody_revokes_another_persons_token(stack: Stack) -> None:
    async with (
        signed_in(stack, derek(stack)["email"]) as owner,
        signed_in(stack, OLIVE) as other,
    ):
        made = await create(owner, "Nightly export")
        found = SECRET.search(made.text)
        assert found
        theirs = token_id(await owner.get("/portal/tokens"), "Nightly export")
        for guess in (theirs, "999999", "nonsense"):
            refused = await revoke(other, guess)
            assert refused.status_code == 404 and "Token not found." in refused.text
        assert "Nightly export" not in (await other.get("/portal/tokens")).text
    assert (await stack.http.get("/tickets", headers=bearer(found.group(1)))).status_code == 200


async def test_the_welcome_link_activates_the_new_contact_and_signs_them_in(stack: Stack) -> None:
    request = await filed(
        stack, {"changes": [{"op": "add", "contact": ANNABELLE, "roles": ["technical"]}]}
    )
    implemented = await stack.http.post(
        f"/requests/{request['id']}/implement", headers=stack.auth("Sam")
    )
    assert implemented.status_code == 200, implemented.text
    welcome = await stack.wait_for_mail(lambda m: "Welcome" in m.subject)
    path = next(u for u in welcome.links if "/activate/" in u).removeprefix(PUBLIC_URL)
    async with httpx.AsyncClient(base_url=str(stack.http.base_url), timeout=30) as client:
        shown = await client.get(path)
        assert shown.status_code == 200 and "Annabelle Greement" in shown.text
        elsewhere = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
        assert (await client.post(path, headers=elsewhere)).status_code == 403

        activated = await client.post(path)
        assert activated.status_code == 303
        assert activated.headers["location"] == "/portal?done=activated"
        cookie = activated.headers["set-cookie"].lower()
        assert cookie.startswith("signoff_session=") and "httponly" in cookie
        home = await client.get(activated.headers["location"])
        assert home.headers["location"] == "/portal/profile?done=activated"
        landed = await client.get(home.headers["location"])
        assert landed.status_code == 200
        assert "Your account is activated and you are signed in." in landed.text
        assert "Annabelle Greement" in landed.text and "Example Energy plc" in landed.text
        tokens = await client.get("/portal/tokens")
        assert "You have no API tokens." in tokens.text

        again = await client.post(path)
        assert again.status_code == 410 and "already been used" in again.text
    async with stack.sessions() as session:
        user = (
            await session.exec(
                select(User).join(Contact).where(col(Contact.email) == ANNABELLE["email"])
            )
        ).one()
        made = (await session.exec(select(ApiToken).where(ApiToken.user_id == user.id))).all()
    assert user.state is UserState.ACTIVE and made == [], "a browser gets no API token"


async def test_the_contacts_page_lists_the_customers_contacts_and_roles(stack: Stack) -> None:
    async with signed_in(stack, derek(stack)["email"]) as contact:
        page = await contact.get("/portal/contacts")
        assert page.status_code == 200
        assert "<caption>Contacts of Example Energy plc</caption>" in page.text
        for shown in (
            "Derek Emonstration",
            "Management, Cust Admin",
            "teresa.echie@energy.example.com",
            "Financial, Agreement",
        ):
            assert shown in page.text, shown
        assert "Olive" not in page.text and ">Customer</td>" in page.text
    async with signed_in(stack, sam(stack)) as staff:
        assert (await staff.get("/portal/contacts")).status_code == 404


async def test_the_same_form_posted_again_makes_no_second_token(stack: Stack) -> None:
    async with signed_in(stack, derek(stack)["email"]) as client:
        page = await client.get("/portal/tokens")
        form_key = re.search(r'name="form_key" value="([^"]+)"', page.text)
        assert form_key is not None
        data = {"csrf_token": csrf(page), "form_key": form_key.group(1), "name": "Twice"}
        first = await client.post("/portal/tokens", data=data)
        assert first.status_code == 201
        before = await count_tokens(stack)
        again = await client.post("/portal/tokens", data=data)
        assert again.status_code == 409 and "That token was made already" in again.text
        assert SECRET.search(again.text) is None
        assert await count_tokens(stack) == before
        stale = await client.post("/portal/tokens", data={**data, "form_key": ""})
        assert stale.status_code == 422 and "reload the page" in stale.text
