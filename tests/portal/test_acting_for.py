"""The service team acting for a customer through the portal's pages over real HTTP: the
customer's page leads to its forms, each asks for a Reason, files as the customer's own
does, and the request page does not offer its filer Implement."""

import html

from tests.conftest import Stack
from tests.e2e.test_contact_change import contact_id
from tests.portal.test_requests import csrf, olive, sam
from tests.portal.test_sign_in import browser, derek, sign_in

REASON = "Derek asked on the phone, his portal sign-in lost."


async def test_the_customer_page_leads_to_every_form_it_may_file(stack: Stack) -> None:
    base = f"/portal/customers/{stack.customer_id}"
    async with browser(stack) as team:
        await sign_in(stack, team, sam(stack))
        page = await team.get(base)
        assert '<h2 id="act-heading">Act for this customer</h2>' in page.text
        for path, button in (
            ("profile", "Request a profile change"),
            ("contacts", "Change contacts and roles"),
            ("purchaser/addition", "Request purchaser addition"),
        ):
            assert f'<a href="{base}/{path}">{button}</a>' in page.text
            form = await team.get(f"{base}/{path}")
            assert form.status_code == 200, (path, form.text)
            assert '<label for="f-on-behalf-reason">Reason</label>' in form.text
            assert f'action="{base}/{path}"' in form.text
        assert "purchaser/removal" not in page.text


async def test_a_profile_change_filed_for_the_customer_needs_a_reason(stack: Stack) -> None:
    path = f"/portal/customers/{stack.customer_id}/profile"
    async with browser(stack) as team:
        await sign_in(stack, team, sam(stack))
        form = await team.get(path)
        fields = {
            "csrf_token": csrf(form),
            "legal.name": "Example Energy Group plc",
            "legal.address.street": "1 Generator Way",
            "legal.address.city": "Manchester",
            "legal.address.postal_code": "M1 1AA",
            "legal.address.country": "GB",
            "payment_same_as_legal": "yes",
        }
        refused = await team.post(path, data=fields)
        assert refused.status_code == 422, refused.text
        assert "Say why the service team files this request for the customer." in html.unescape(
            refused.text
        )
        assert 'value="Example Energy Group plc"' in refused.text

        filed = await team.post(path, data={**fields, "on_behalf_reason": REASON})
        assert filed.status_code == 303, filed.text
        request_page = await team.get(filed.headers["location"])
        assert REASON in html.unescape(request_page.text)
    told = await stack.wait_for_mail(
        lambda m: m.recipients == (derek(stack)["email"],) and "filed a profile change" in m.subject
    )
    assert REASON in (told.text or "")


async def test_the_contacts_manager_for_the_customer(stack: Stack) -> None:
    path = f"/portal/customers/{stack.customer_id}/contacts"
    timothy = contact_id(stack, "Timothy")
    async with browser(stack) as team:
        await sign_in(stack, team, sam(stack))
        form = await team.get(path)
        assert "Contacts of Example Energy plc" in form.text
        filed = await team.post(
            path,
            data={
                "csrf_token": csrf(form),
                f"c.{timothy}.shown": "1",
                f"c.{timothy}.delete": "on",
                f"c.{timothy}.first_name": "Timothy",
                f"c.{timothy}.last_name": "Ester",
                f"c.{timothy}.email": "timothy.ester@energy.example.com",
                f"c.{timothy}.role.technical": "on",
                "on_behalf_reason": REASON,
            },
        )
        assert filed.status_code == 303, filed.text
        request_page = await team.get(filed.headers["location"])
        assert ">Decline</button>" in request_page.text or "Decline" in request_page.text
        assert ">Implement</button>" not in request_page.text


async def test_contacts_cannot_act_for_a_customer(stack: Stack) -> None:
    async with browser(stack) as contact:
        await sign_in(stack, contact, derek(stack)["email"])
        for path in ("profile", "contacts", "purchaser/addition"):
            mine = await contact.get(f"/portal/customers/{stack.customer_id}/{path}")
            assert mine.status_code == 404, path
    async with browser(stack) as other:
        await sign_in(stack, other, olive(stack))
        theirs = await other.get(f"/portal/customers/{stack.customer_id}/profile")
        assert theirs.status_code == 404
