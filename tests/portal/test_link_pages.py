"""The pages emailed links open are the portal's: its layout and stylesheet, its headers, no
navigation for a person who is not signed in, and no inline style."""

import html

import httpx

from tests.conftest import PUBLIC_URL, Stack
from tests.e2e.purchaser import PURCHASER, URSULA, approval_links, decide, filed_addition
from tests.e2e.test_contact_change import ANNABELLE, filed

STYLESHEET = '<link rel="stylesheet" href="/static/portal.css">'


def assert_portal_page(page: httpx.Response, heading: str | None = None) -> None:
    assert page.headers["content-type"].startswith("text/html")
    assert STYLESHEET in page.text
    assert '<main id="main">' in page.text
    if heading is not None:
        assert f"<h1>{heading}</h1>" in page.text
    assert "<nav" not in page.text, "no navigation for a person who is not signed in"
    assert "<style" not in page.text and " style=" not in page.text
    policy = page.headers["content-security-policy"]
    assert "style-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    # The address carries the link's token: never cached, never in a Referer.
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "strict-origin"
    assert page.headers["x-content-type-options"] == "nosniff"


async def test_the_approval_pages_are_the_portals(stack: Stack) -> None:
    await filed_addition(stack)
    path = (await approval_links(stack))["customer"]

    shown = await stack.http.get(path)
    assert shown.status_code == 200
    assert_portal_page(shown, "Your approval is requested")
    assert f"Hello {URSULA['name']}." in shown.text and PURCHASER["name"] in shown.text

    done = await decide(stack, path, "approve")
    assert done.status_code == 200
    assert_portal_page(done, "Thank you: you approved")
    assert "<title>Decision recorded · Signoff</title>" in done.text

    used = await stack.http.get(path)
    assert used.status_code == 410
    assert_portal_page(used)
    as_json = await stack.http.get(path, headers={"Accept": "application/json"})
    assert as_json.status_code == 410 and as_json.json()["detail"] in html.unescape(used.text)

    unknown = await stack.http.get("/approvals/no-such-token")
    assert unknown.status_code == 404
    assert_portal_page(unknown, "This link is not valid")


async def test_the_activation_page_is_the_portals(stack: Stack) -> None:
    request = await filed(
        stack, {"changes": [{"op": "add", "contact": ANNABELLE, "roles": ["technical"]}]}
    )
    implemented = await stack.http.post(
        f"/requests/{request['id']}/implement", headers=stack.auth("Sam")
    )
    assert implemented.status_code == 200, implemented.text
    welcome = await stack.wait_for_mail(lambda m: "Welcome" in m.subject)
    path = next(u for u in welcome.links if "/activate/" in u).removeprefix(PUBLIC_URL)

    shown = await stack.http.get(path)
    assert shown.status_code == 200
    assert_portal_page(shown, "Activate your account")
    assert "Annabelle Greement" in shown.text and ">Activate my account</button>" in shown.text
