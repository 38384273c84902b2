"""The Contacts Manager with a purchaser assigned, over real HTTP: the purchaser's contacts
in rows of their own with boxes only for its roles, a new contact's organisation, a role
on the wrong side refused beside its row, and a change to the purchaser's side sent to the
purchaser's approver. The roles' information pages."""

from tests.conftest import Stack
from tests.e2e.profile import request_rows
from tests.e2e.purchaser import FORM, PAULA, PERCY, PURCHASER, assign_purchaser
from tests.portal.test_contacts_manager import Manager, errors_beside, manager, new_contact
from tests.portal.test_sign_in import derek
from tests.portal.test_tickets import signed_in

PIA = {
    "first_name": "Pia",
    "last_name": "Purchase",
    "email": "pia.purchase@partners.example.com",
}


async def test_the_purchasers_contacts_get_boxes_only_for_the_purchasers_roles(
    stack: Stack,
) -> None:
    await assign_purchaser(stack)
    async with signed_in(stack, derek(stack)["email"]) as client:
        form = await manager(client)
        assert form.value("Phone for Paula Payer") == PAULA["phone"]
        assert form.value("Financial for Paula Payer") == "on"
        assert form.value("Purchaser for Paula Payer") == "on"
        assert form.has("Management for Paula Payer") is False
        assert form.has("Financial for Teresa Echie") is False
        assert form.value("New contact organisation") == "customer"
        assert f"{PURCHASER['name']} (purchaser)" in form.page.text
        # Paula holds the Purchaser role: she approves, so no approver is asked for.
        assert "approved by Paula Payer" in form.page.text
        assert form.has("Purchaser approver email") is False


async def test_a_new_contact_at_the_purchaser_is_approved_by_the_purchaser(stack: Stack) -> None:
    await assign_purchaser(stack)
    async with signed_in(stack, derek(stack)["email"]) as client:
        form = await manager(client)
        form.fill("New contact organisation", "purchaser")
        new_contact(form, PIA, ["Purchaser"])
        sent = await form.send(client)
        assert sent.status_code == 303, sent.text
        request_id = sent.headers["location"].split("/")[-1].split("?")[0]
    shown = await stack.http.get(f"/requests/{request_id}", headers=stack.auth("Derek"))
    added = shown.json()["requested"]["changes"]
    assert added == [{"op": "add", "contact": PIA, "roles": ["purchaser"], "side": "purchaser"}], (
        added
    )
    asked = await stack.wait_for_mail(
        lambda m: m.recipients == (PAULA["email"],) and "approval" in m.subject
    )
    assert any("/approvals/" in url for url in asked.links)


async def test_a_role_on_the_wrong_side_is_refused_beside_its_row(stack: Stack) -> None:
    await assign_purchaser(stack)
    async with signed_in(stack, derek(stack)["email"]) as client:
        form = await manager(client)
        # Without a script a new row offers every box; the rules refuse the purchaser's
        # Financial on a contact of the customer's.
        new_contact(form, PIA | {"email": "pia@energy.example.com"}, ["Financial"])
        sent = await form.send(client)
        assert sent.status_code == 422, sent.text
        assert errors_beside(sent, "new.1.roles") == [
            "Financial cannot be held on a customer contact (role exclusivity)."
        ], sent.text
        kept = Manager(sent)
        assert kept.value("New contact email") == "pia@energy.example.com"
        assert kept.value("Financial for the new contact") == "on"
        assert kept.value("Financial for Paula Payer") == "on"


async def test_a_box_the_form_never_offered_is_refused_as_the_api_refuses_it(
    stack: Stack,
) -> None:
    """A forged box (Technical for a purchaser contact) is read as asked and refused by the
    same rule as the API's, beside the contact's roles; nothing is filed."""
    await assign_purchaser(stack)
    async with signed_in(stack, derek(stack)["email"]) as client:
        form = await manager(client)
        paula = form.name("Financial for Paula Payer").removesuffix(".role.financial")
        form.values[f"{paula}.role.technical"] = "on"
        sent = await form.send(client)
        assert sent.status_code == 422, sent.text
        assert errors_beside(sent, f"{paula}.roles") == [
            "Technical cannot be held on a purchaser contact (role exclusivity)."
        ], sent.text
    assert await request_rows(stack) == 1  # the addition that brought the purchaser


async def test_every_role_explained_on_one_page_and_each_on_its_own(stack: Stack) -> None:
    async with signed_in(stack, derek(stack)["email"]) as client:
        contacts = await client.get("/portal/contacts")
        assert 'href="/portal/roles"' in contacts.text
        assert 'href="/portal/roles/cust_admin"' in contacts.text
        # A contact's details list its roles, the required first, each a link to its page.
        assert (
            'Roles: <a href="/portal/roles/management">Management</a> (required), '
            '<a href="/portal/roles/cust_admin">Cust Admin</a> (required)'
        ) in contacts.text
        every = await client.get("/portal/roles")
        assert every.status_code == 200
        for label in ("Management", "Cust Admin", "Financial", "Procurement", "Purchaser"):
            assert f">{label}</a></li>" in every.text, label
        # Required first, as the Contacts Manager's columns go.
        assert every.text.index("role-financial") < every.text.index("role-technical")
        one = await client.get("/portal/roles/management")
        assert one.status_code == 200
        assert "Read and download the customer&#39;s audit trail." in one.text
        assert "A required role" in one.text
        technical = await client.get("/portal/roles/technical")
        assert "Request changes" not in technical.text
        assert "A required role" not in technical.text
        assert (await client.get("/portal/roles/superuser")).status_code == 404
    anonymous = await stack.http.get("/portal/roles/management", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/portal/sign-in?next=")


async def test_the_purchasers_roles_say_who_holds_them(stack: Stack) -> None:
    await assign_purchaser(stack)
    async with signed_in(stack, derek(stack)["email"]) as client:
        financial = await client.get("/portal/roles/financial")
        assert f"Held only by contacts at the purchaser, {PURCHASER['name']}." in financial.text
        agreement = await client.get("/portal/roles/agreement")
        assert "Held by the customer's own contacts." in agreement.text


async def test_with_no_purchaser_contact_holding_its_role_the_form_names_the_approver(
    stack: Stack,
) -> None:
    await assign_purchaser(stack, FORM | {"contacts": [PAULA | {"roles": ["financial"]}]})
    async with signed_in(stack, derek(stack)["email"]) as client:
        form = await manager(client)
        assert "No contact at" in form.page.text
        form.fill("New contact organisation", "purchaser")
        new_contact(form, PIA, ["Purchaser"])
        refused = await form.send(client)
        assert refused.status_code == 422, refused.text
        beside = errors_beside(refused, "approver.email")
        assert beside and "name the purchaser" in beside[0], refused.text
        # Nothing is filed, and everything typed is kept.
        kept = Manager(refused)
        assert kept.value("New contact organisation") == "purchaser"
        assert kept.value("New contact email") == PIA["email"]
        kept.fill("Purchaser approver name", PERCY["name"])
        kept.fill("Purchaser approver email", PERCY["email"])
        sent = await kept.send(client)
        assert sent.status_code == 303, sent.text
    asked = await stack.wait_for_mail(
        lambda m: m.recipients == (PERCY["email"],) and "approval" in m.subject
    )
    assert any("/approvals/" in url for url in asked.links)
