"""The Contacts Manager over real HTTP: the form read as a browser sends it (every field by
its label), the reference's worked example filed as one contact change, Add contact's rows,
every problem of a refused batch at once beside its field, and who may use it."""

import json
import re
from html.parser import HTMLParser
from typing import Any

import httpx

from tests.conftest import Stack
from tests.e2e.test_contact_change import ANNABELLE, worked_example
from tests.portal.test_sign_in import derek
from tests.portal.test_tickets import signed_in


class _Form(HTMLParser):
    """The Contacts Manager's form as a browser would send it: each field's value (check
    boxes only when ticked), and each field's name by its label."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.ids: dict[str, str] = {}
        self.labels: dict[str, str] = {}
        self._label_for: str | None = None
        self._text = ""
        self._inside = False
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        given = {key: value or "" for key, value in attrs}
        if tag == "form" and given.get("action") == "/portal/contacts":
            self._inside = True
        if not self._inside:
            return
        if tag == "input" and "name" in given:
            self.ids[given.get("id", "")] = given["name"]
            if given.get("type") != "checkbox" or "checked" in given:
                self.values[given["name"]] = given.get("value", "")
        elif tag == "select" and "name" in given:
            self.ids[given.get("id", "")] = self._select = given["name"]
        elif tag == "option" and self._select is not None:
            if self._select not in self.values or "selected" in given:
                self.values[self._select] = given.get("value", "")
        elif tag == "label":
            self._label_for, self._text = given.get("for"), ""

    def handle_data(self, data: str) -> None:
        if self._label_for is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self._label_for is not None:
            self.labels[" ".join(self._text.split())] = self._label_for
            self._label_for = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._inside = False


class Manager:
    """The page's form, changed by label as a person changes it, then sent."""

    def __init__(self, page: httpx.Response) -> None:
        assert page.status_code in (200, 422), page.text
        self.page = page
        parsed = _Form()
        parsed.feed(page.text)
        assert parsed.values, "no Contacts Manager on the page"
        self.values, self._ids, self._labels = parsed.values, parsed.ids, parsed.labels

    def has(self, label: str) -> bool:
        """Whether the form has a field labelled ``label``."""
        return label in self._labels

    def name(self, label: str) -> str:
        assert label in self._labels, f"{label!r} not among {sorted(self._labels)}"
        return self._ids[self._labels[label]]

    def fill(self, label: str, value: str) -> "Manager":
        self.values[self.name(label)] = value
        return self

    def tick(self, label: str, ticked: bool = True) -> "Manager":
        name = self.name(label)
        if ticked:
            self.values[name] = "on"
        else:
            self.values.pop(name, None)
        return self

    def value(self, label: str) -> str | None:
        return self.values.get(self.name(label))

    async def send(self, client: httpx.AsyncClient, add_row: bool = False) -> httpx.Response:
        extra = {"add_row": "yes"} if add_row else {}
        return await client.post("/portal/contacts", data={**self.values, **extra})


async def manager(client: httpx.AsyncClient) -> Manager:
    return Manager(await client.get("/portal/contacts"))


def new_contact(form: Manager, details: dict[str, str], roles: list[str], number: int = 1) -> None:
    prefix = "New contact" if number == 1 else f"New contact {number}"
    whose = "the new contact" if number == 1 else f"new contact {number}"
    for name, value in details.items():
        form.fill(f"{prefix} {name.replace('_', ' ')}", value)
    for role in roles:
        form.tick(f"{role} for {whose}")


def errors_beside(page: httpx.Response, name: str) -> list[str]:
    """The messages shown beside the field (or row) called ``name`` in the form."""
    field_id = "f-" + name.replace(".", "-").replace("_", "-")
    shown = rf'<p class="field-error" id="{re.escape(field_id)}-error">([^<]*)</p>'
    return re.findall(shown, page.text)


def canonical(changes: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(change, sort_keys=True) for change in changes)


async def test_the_worked_example_filed_through_the_form_is_one_contact_change(
    stack: Stack,
) -> None:
    async with signed_in(stack, derek(stack)["email"]) as client:
        form = await manager(client)
        assert 'class="required-role"' in form.page.text
        assert form.value("Phone for Derek Emonstration") == "+44 161 496 0001"
        form.fill("Phone for Derek Emonstration", "+44 161 496 0999")
        form.tick("Delete Timothy Ester")
        form.tick("Cust Admin for Teresa Echie").tick("Financial for Teresa Echie", False)
        new_contact(form, ANNABELLE, ["Agreement"])
        sent = await form.send(client)
        assert sent.status_code == 303, sent.text
        location = sent.headers["location"]
        assert re.fullmatch(r"/portal/requests/[0-9a-f-]+\?done=filed", location), location
        request_id = location.split("/")[-1].split("?")[0]

        shown = await stack.http.get(f"/requests/{request_id}", headers=stack.auth("Derek"))
        assert shown.status_code == 200, shown.text
        request = shown.json()
        assert request["kind"] == "contact_change"
        expected = worked_example(stack)["changes"]
        assert canonical(request["requested"]["changes"]) == canonical(expected)

        # While it is open, the page shows it side by side instead of the form.
        page = await client.get("/portal/contacts")
        assert 'action="/portal/contacts"' not in page.text
        assert f'href="/portal/requests/{request_id}"' in page.text
        assert "Contacts and roles once the change is implemented" in page.text
        for mark in ("updated", "removed", "added", "unchanged"):
            assert f"change-{mark}" in page.text, mark


async def test_add_contact_posts_back_one_more_row_keeping_what_was_typed(stack: Stack) -> None:
    async with signed_in(stack, derek(stack)["email"]) as client:
        form = await manager(client)
        form.fill("Job title for Teresa Echie", "Finance Director")
        new_contact(form, {"first_name": "Annabelle"}, ["Agreement"])
        once = Manager(await form.send(client, add_row=True))
        assert once.page.status_code == 200
        assert once.value("Job title for Teresa Echie") == "Finance Director"
        assert once.value("New contact first name") == "Annabelle"
        assert once.value("Agreement for the new contact") == "on"
        assert once.value("New contact 2 first name") == ""
        twice = Manager(await once.send(client, add_row=True))
        for label in (
            "New contact 2 first name",
            "New contact 3 email",
            "Technical for new contact 3",
        ):
            twice.name(label)
        assert twice.value("New contact first name") == "Annabelle"


async def test_nothing_changed_is_said_and_nothing_filed(stack: Stack) -> None:
    async with signed_in(stack, derek(stack)["email"]) as client:
        sent = await (await manager(client)).send(client)
        assert sent.status_code == 422
        assert "Nothing to change" in sent.text


async def test_a_refused_batch_shows_every_problem_beside_its_field(stack: Stack) -> None:
    async with signed_in(stack, derek(stack)["email"]) as client:
        form = await manager(client)
        form.fill("Email for Teresa Echie", "teresa-at-energy")
        new_contact(
            form,
            {"first_name": "Nora", "last_name": "Role", "email": "nora@energy.example.com"},
            [],
        )
        form.tick("Management for Derek Emonstration", False)
        sent = await form.send(client)
        assert sent.status_code == 422, sent.text
        kept = Manager(sent)
        assert kept.value("Email for Teresa Echie") == "teresa-at-energy"
        assert kept.value("New contact first name") == "Nora"
        assert kept.value("Management for Derek Emonstration") is None

        email = errors_beside(sent, kept.name("Email for Teresa Echie"))
        assert email and "valid email" in email[0], sent.text
        assert errors_beside(sent, "new.1.roles") == ["Choose at least one role."], sent.text
        unheld = errors_beside(sent, f"c.{derek(stack)['id']}.roles")
        assert unheld and "Management" in unheld[0], sent.text
        assert "There are 3 problems" in sent.text


async def test_a_technical_contact_sees_the_contacts_read_only_and_may_not_post(
    stack: Stack,
) -> None:
    async with signed_in(stack, "timothy.ester@energy.example.com") as client:
        page = await client.get("/portal/contacts")
        assert page.status_code == 200
        assert "Contacts of Example Energy plc" in page.text
        assert 'action="/portal/contacts"' not in page.text and "Request changes" not in page.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token, page.text
        refused = await client.post(
            "/portal/contacts",
            data={
                "csrf_token": token.group(1),
                "new.1.first_name": "Eve",
                "new.1.role.management": "on",
            },
        )
        assert refused.status_code == 403
