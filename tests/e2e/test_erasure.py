"""Erasure on the real stack: each way a person's data leaves Signoff, filed with and without
an Idempotency-Key, leaves none of their values in any table (blobs and JSON decoded): not
in the files they attached to tickets, nor in those of a request never applied."""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlmodel import select

from devstack.outbox import CapturedMessage
from models.ticket_participant import TicketParticipant
from tests.conftest import PUBLIC_URL, Stack
from tests.e2e.purchaser import (
    FORM,
    PAULA,
    PERCY,
    PURCHASER,
    URSULA,
    approval_links,
    assign_purchaser,
    decide,
)
from tests.e2e.test_contact_change import ANNABELLE, contact_id, contacts
from tests.erasure import assert_erased, assert_kept, files_hold
from tests.portal.test_sign_in import browser, sign_in

PETER: dict[str, Any] = {
    "first_name": "Peter",
    "last_name": "Urchase",
    "email": "peter.urchase@partners.example.com",
    "phone": "+44 20 7946 0002",
    "roles": ["financial"],
}
PAULA_VALUES = ("Paula", "Payer", PAULA["email"], PAULA["phone"])
PERCY_VALUES = ("Percy", "Percy Approver", PERCY["email"])
URSULA_VALUES = (
    "Ursula",
    "Ursula Ser",
    URSULA["email"],
    "+44 161 496 0004",
    "Commercial Lead",
)


@pytest.fixture(params=[False, True], ids=["no-key", "with-key"])
def keyed(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@dataclass
class Sent:
    path: str
    body: dict[str, Any]
    headers: dict[str, str]
    status: int


@dataclass
class Caller:
    """Sends the creating POSTs of a test; with keys, each carries a fresh Idempotency-Key
    and is remembered, so that it can be retried once someone is erased."""

    stack: Stack
    keyed: bool
    sent: list[Sent] = field(default_factory=list)

    async def post(
        self, path: str, body: dict[str, Any], who: str = "Derek", token: str | None = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else self.stack.auth(who)
        if self.keyed:
            headers["Idempotency-Key"] = str(uuid.uuid4())
        response = await self.stack.http.post(path, json=body, headers=headers)
        assert response.status_code < 300, response.text
        self.sent.append(Sent(path, body, headers, response.status_code))
        return response

    async def file(self, kind: str, body: dict[str, Any], who: str = "Derek") -> dict[str, Any]:
        """File a request and wait until its ticket is raised."""
        path = f"/customers/{self.stack.customer_id}/{kind}-requests"
        filed = (await self.post(path, body, who)).json()
        return await self.stack.wait_for_request(filed["id"], lambda r: r["ticket_number"])

    async def implement(self, request: dict[str, Any]) -> None:
        done = await self.stack.http.post(
            f"/requests/{request['id']}/implement", headers=self.stack.auth("Sam")
        )
        assert done.status_code == 200, done.text

    async def retries(self) -> list[httpx.Response]:
        """Every keyed POST sent again, as a client retrying it would (none without keys)."""
        if not self.keyed:
            return []
        return [
            await self.stack.http.post(sent.path, json=sent.body, headers=sent.headers)
            for sent in self.sent
        ]


def _reachable(keyed: bool, retried: list[httpx.Response]) -> None:
    """After an erasure no retry creates anything or gives back an erased answer."""
    if not keyed:
        return
    for response in retried:
        assert response.status_code in (201, 401, 409), response.text
        if response.status_code == 201:
            assert response.headers["idempotent-replayed"] == "true"


async def _activate(stack: Stack, email: str) -> str:
    """Open the welcome email sent to ``email``, activate the account; its API token."""
    welcome = await stack.wait_for_mail(
        lambda m: m.recipients == (email,) and "Welcome" in m.subject
    )
    path = next(url for url in welcome.links if "/activate/" in url).removeprefix(PUBLIC_URL)
    activated = await stack.http.post(path, headers={"Accept": "application/json"})
    assert activated.status_code == 200, activated.text
    return str(activated.json()["token"])


async def _link_to(stack: Stack, approver: dict[str, Any]) -> str:
    """The approval link in the email asking ``approver`` to approve."""
    asked = await stack.wait_for_mail(
        lambda m: m.recipients == (approver["email"],) and "approval is requested" in m.subject
    )
    return next(url for url in asked.links if "/approvals/" in url).removeprefix(PUBLIC_URL)


def _form(**changes: Any) -> dict[str, Any]:
    return {**FORM, **changes}


async def test_a_removed_contact_leaves_nothing_behind(stack: Stack, keyed: bool) -> None:
    """Added, given an account, typed about in every form, given a new email and phone, then
    removed: none of Annabelle's values, past or present, stays anywhere."""
    caller = Caller(stack, keyed)
    added = await caller.file(
        "contact-change", {"changes": [{"op": "add", "contact": ANNABELLE, "roles": ["agreement"]}]}
    )
    await caller.implement(added)
    token = await _activate(stack, ANNABELLE["email"])
    # She signs in to the portal too, and names a token after herself.
    portal = browser(stack)
    await sign_in(stack, portal, ANNABELLE["email"])
    tokens_page = (await portal.get("/portal/tokens")).text
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', tokens_page)
    assert form_token is not None
    form_key = re.search(r'name="form_key" value="([^"]+)"', tokens_page)
    assert form_key is not None
    made = await portal.post(
        "/portal/tokens",
        data={
            "name": "Annabelle Greement's laptop",
            "csrf_token": form_token.group(1),
            "form_key": form_key.group(1),
        },
    )
    assert made.status_code == 201, made.text

    ticket = (
        await caller.post(
            "/tickets",
            {
                "subject": "Annabelle Greement joins",
                "body": "Greement, Annabelle (Ms A. Greement, contracts manager) takes calls "
                "on (0161) 496-0005 and +441614960005; write to "
                "ANNABELLE.GREEMENT@energy.example.com. Teresa Echie keeps the invoices.",
                "shared": False,
            },
        )
    ).json()
    comments = f"/tickets/{ticket['number']}/comments"
    await caller.post(comments, {"body": "Thank you, I am on 0161 496 0005."}, token=token)
    her_ticket = (
        await caller.post("/tickets", {"subject": "My access", "body": "Hi"}, token=token)
    ).json()
    # Her files (her ID on her own ticket, a contract she signed on Derek's), and Derek's
    # own file, which stays.
    for number, name, content, headers in (
        (
            her_ticket["number"],
            "annabelle-greement-id.txt",
            "Annabelle Greement, ANNABELLE.GREEMENT@energy.example.com, (0161) 496-0005",
            {"Authorization": f"Bearer {token}"},
        ),
        (
            ticket["number"],
            "contract.txt",
            "Signed by A. Greement, contracts manager; call +441614960005.",
            {"Authorization": f"Bearer {token}"},
        ),
        (ticket["number"], "rota.txt", "Rota for the Leeds office.", stack.auth("Derek")),
    ):
        attached = await stack.http.post(
            f"/tickets/{number}/attachments",
            files={"file": (name, content.encode(), "text/plain")},
            headers=headers,
        )
        assert attached.status_code == 201, attached.text
    # The service team's own notes name her too: on the ticket, and on the customer.
    await caller.post(
        f"/tickets/{ticket['number']}/notes",
        {"body": "Annabelle Greement is on +441614960005; Teresa Echie trains her."},
        who="Sam",
    )
    await caller.post(
        f"/customers/{stack.customer_id}/notes",
        {"body": "Ms A. Greement asks us to write to ANNABELLE.GREEMENT@energy.example.com."},
        who="Sam",
    )

    # Derek copies her on his ticket: she is told so, and emailed the reply that follows.
    annabelle = (await contacts(stack))["Annabelle"]["id"]
    participants = f"/tickets/{ticket['number']}/participants"
    await caller.post(participants, {"contact_id": annabelle})
    await caller.post(comments, {"body": "Noted, Mrs Greement."}, who="Sam")
    await stack.wait_for_mail(
        lambda m: m.recipients == (ANNABELLE["email"],) and "copied on" in m.subject
    )

    new_email, new_phone = "a.greement@energy.example.com", "+44 161 496 0006"
    updated = await caller.file(
        "contact-change",
        {
            "changes": [
                {
                    "op": "update",
                    "contact_id": annabelle,
                    "fields": {
                        "email": new_email,
                        "phone": new_phone,
                        "job_title": "Head of Legal",
                    },
                }
            ]
        },
    )
    await caller.implement(updated)
    await caller.post(comments, {"body": f"Annabelle is now {new_email}, 0161 496 0006."})
    await caller.post("/tickets", {"subject": "Printer", "body": "Out of toner."}, who="Teresa")

    removed = await caller.file(
        "contact-change", {"changes": [{"op": "remove", "contact_id": annabelle}]}
    )
    await caller.implement(removed)
    await stack.run_ended(removed["id"])

    await assert_erased(
        stack.sessions,
        "Annabelle",
        "Greement",
        ANNABELLE["email"],
        new_email,
        ANNABELLE["phone"],
        "0161 496 0005",
        "(0161) 496-0005",
        "+441614960005",
        new_phone,
        "0161 496 0006",
        ANNABELLE["job_title"],
        "Head of Legal",
    )
    await assert_kept(
        stack.sessions,
        "Teresa Echie",
        "Out of toner",
        "Derek",
        "Emonstration",
        "Rota for the Leeds office",
    )
    # Her portal session ended with her: its cookie opens nothing now.
    assert (await portal.get("/portal/profile")).status_code == 303
    await portal.aclose()

    derek = stack.auth("Derek")
    shown = (await stack.http.get(f"/tickets/{ticket['number']}", headers=derek)).json()
    assert shown["subject"] == "[removed contact] joins"
    # Copied on no ticket: not even her id is kept as copied.
    assert shown["participants"] == []
    async with stack.sessions() as session:
        copies = await session.exec(
            select(TicketParticipant).where(TicketParticipant.contact_id == uuid.UUID(annabelle))
        )
        assert list(copies) == []
    assert "Teresa Echie keeps the invoices." in shown["body"]
    team = stack.auth("Sam")
    noted = (await stack.http.get(f"/tickets/{ticket['number']}", headers=team)).json()
    assert [n["body"].endswith("Teresa Echie trains her.") for n in noted["internal_notes"]] == [
        True
    ]
    on_customer = await stack.http.get(f"/customers/{stack.customer_id}/notes", headers=team)
    assert [
        n["body"].endswith("asks us to write to [removed contact].") for n in on_customer.json()
    ] == [True]
    first = (await stack.http.get(f"/requests/{added['id']}", headers=derek)).json()
    assert first["requested"]["changes"][0]["contact"]["email"] is None
    assert first["requested"]["changes"][0]["roles"] == ["agreement"]

    mine = {"Authorization": f"Bearer {token}"}
    assert (await stack.http.get(f"/tickets/{ticket['number']}", headers=mine)).status_code == 401
    retried = await caller.retries()
    _reachable(keyed, retried)
    if keyed:
        by_caller = [
            (s.headers["Authorization"], r.status_code)
            for s, r in zip(caller.sent, retried, strict=True)
        ]
        assert {status for auth, status in by_caller if auth == f"Bearer {token}"} == {401}
        # Teresa's ticket never named Annabelle: it is still there for her retry.
        assert retried[-2].status_code == 201 and retried[-2].json()["subject"] == "Printer"
        assert retried[-1].status_code == 409 and "erased" in retried[-1].json()["detail"]
    await assert_erased(stack.sessions, "Annabelle", "Greement", new_email)


async def _approved_addition(caller: Caller, form: dict[str, Any]) -> dict[str, Any]:
    stack = caller.stack
    request = await caller.file("purchaser-addition", form)
    links = await approval_links(stack)
    for side in ("customer", "purchaser"):
        assert (await decide(stack, links[side], "approve")).status_code == 200
    return await stack.wait_for_request(request["id"], lambda r: r["status"] == "in_review")


async def test_a_purchaser_contact_removed_by_a_contact_change_leaves_the_addition(
    stack: Stack, keyed: bool
) -> None:
    caller = Caller(stack, keyed)
    addition = await _approved_addition(caller, _form(contacts=[PAULA, PETER]))
    await caller.implement(addition)
    await _activate(stack, PAULA["email"])
    paula = (await contacts(stack))["Paula"]["id"]

    removal = await caller.file(
        "contact-change", {"changes": [{"op": "remove", "contact_id": paula}]}
    )
    # A change to the purchaser's side: its Purchaser, Paula herself, approves it first.
    assert (await decide(stack, await _link_to(stack, PAULA), "approve")).status_code == 200
    await stack.wait_for_request(removal["id"], lambda r: r["status"] == "in_review")
    await caller.implement(removal)

    await assert_erased(stack.sessions, *PAULA_VALUES)
    # The addition is still in force: Peter, its approvers and the purchaser stay.
    await assert_kept(stack.sessions, PETER["email"], PERCY["email"], PURCHASER["name"])
    shown = await stack.http.get(f"/requests/{addition['id']}", headers=stack.auth("Derek"))
    listed = shown.json()["requested"]["contacts"]
    assert [c["first_name"] for c in listed] == [None, "Peter"]
    assert listed[0]["roles"] == PAULA["roles"]
    _reachable(keyed, await caller.retries())


async def test_an_approver_removed_while_asked_can_no_longer_approve(
    stack: Stack, keyed: bool
) -> None:
    """Ursula, a contact, is the customer's approver of an addition awaiting approval when a
    contact change removes her: she is erased from it too, her link stops working, the
    other approver's page still works, and the request can still be cancelled."""
    caller = Caller(stack, keyed)
    addition = await caller.file("purchaser-addition", FORM)
    links = await approval_links(stack)
    leaves = {
        "changes": [
            {"op": "add_roles", "contact_id": contact_id(stack, "Derek"), "roles": ["agreement"]},
            {"op": "remove", "contact_id": contact_id(stack, "Ursula")},
        ]
    }
    await caller.implement(await caller.file("contact-change", leaves))

    await assert_erased(stack.sessions, *URSULA_VALUES)
    assert (await stack.http.get(links["customer"])).status_code == 410
    page = await stack.http.get(links["purchaser"])
    assert page.status_code == 200 and "Paula Payer" in page.text
    shown = await stack.http.get(f"/requests/{addition['id']}", headers=stack.auth("Derek"))
    assert shown.status_code == 200
    assert shown.json()["requested"]["approvers"]["customer"]["email"] is None
    assert (await decide(stack, links["purchaser"], "approve")).status_code == 200

    cancelled = await stack.http.post(
        f"/requests/{addition['id']}/cancel", headers=stack.auth("Derek")
    )
    assert cancelled.status_code == 200, cancelled.text
    await stack.run_ended(addition["id"])
    await assert_erased(stack.sessions, *URSULA_VALUES, *PAULA_VALUES, *PERCY_VALUES)
    _reachable(keyed, await caller.retries())


async def test_a_purchaser_removal_erases_its_people_from_every_addition(
    stack: Stack, keyed: bool
) -> None:
    caller = Caller(stack, keyed)
    first = await caller.file("purchaser-addition", FORM)
    await approval_links(stack)
    assert (
        await stack.http.post(f"/requests/{first['id']}/cancel", headers=stack.auth("Derek"))
    ).status_code == 200
    await stack.run_ended(first["id"])
    stack.mail.clear()

    addition = await _approved_addition(caller, FORM)
    await caller.implement(addition)
    await _activate(stack, PAULA["email"])
    stack.mail.clear()
    removal = await caller.file(
        "purchaser-removal",
        {
            "role_assignments": [
                {"contact_id": contact_id(stack, "Teresa"), "roles": ["financial"]}
            ],
            "approver": URSULA,
        },
    )
    assert (await decide(stack, await _link_to(stack, URSULA), "approve")).status_code == 200
    await stack.wait_for_request(removal["id"], lambda r: r["status"] == "in_review")
    await caller.implement(removal)

    await assert_erased(stack.sessions, *PAULA_VALUES, *PERCY_VALUES)
    # Ursula is a contact: only her part in the removed purchaser's addition goes.
    await assert_kept(stack.sessions, URSULA["email"], "Commercial Lead")
    shown = await stack.http.get(f"/requests/{addition['id']}", headers=stack.auth("Derek"))
    assert shown.json()["requested"]["approvers"]["customer"]["name"] is None
    _reachable(keyed, await caller.retries())


HILDA = {"name": "Hilda Board", "email": "hilda.board@energy.example.com"}
NINA = {
    "salutation": "Dr",
    "first_name": "Nina",
    "last_name": "Ewcomer",
    "email": "nina.ewcomer@energy.example.com",
    "phone": "+44 161 496 0077",
    "job_title": "Data Protection Officer",
}


async def _unapplied(caller: Caller, path: str) -> tuple[dict[str, Any], tuple[str, ...]]:
    """A request ended ``path`` without being applied; the values of the people it named
    who never became contacts."""
    stack = caller.stack
    kind, ending = path.rsplit("-", 1)
    if kind == "contact-change":
        request = await caller.file(
            kind, {"changes": [{"op": "add", "contact": NINA, "roles": ["security"]}]}
        )
        people: tuple[str, ...] = (
            "Nina",
            "Ewcomer",
            NINA["email"],
            NINA["phone"],
            NINA["job_title"],
        )
    elif kind == "purchaser-addition":
        request = (
            await _approved_addition(caller, FORM)
            if ending == "declined"
            else await caller.file(kind, FORM)
        )
        people = (*PAULA_VALUES, *PERCY_VALUES, PURCHASER["name"])
    else:
        await caller.implement(await _approved_addition(caller, FORM))
        stack.mail.clear()
        request = await caller.file(
            kind,
            {
                "role_assignments": [
                    {"contact_id": contact_id(stack, "Teresa"), "roles": ["financial"]}
                ],
                "approver": HILDA,
            },
        )
        if ending == "declined":
            await decide(stack, await _link_to(stack, HILDA), "approve")
            await stack.wait_for_request(request["id"], lambda r: r["status"] == "in_review")
        people = ("Hilda", "Board", HILDA["email"])
    # The form its people signed, on the request's ticket, from the customer and the team.
    for who in ("Derek", "Sam"):
        attached = await stack.http.post(
            f"/tickets/{request['ticket_number']}/attachments",
            files={"file": ("signed.txt", f"Signed: {', '.join(people)}".encode(), "text/plain")},
            headers=stack.auth(who),
        )
        assert attached.status_code == 201, attached.text
    if ending == "declined":
        answer = await stack.http.post(
            f"/requests/{request['id']}/decline",
            json={"reason": "Not this quarter."},
            headers=stack.auth("Sam"),
        )
    else:
        answer = await stack.http.post(
            f"/requests/{request['id']}/cancel", headers=stack.auth("Derek")
        )
    assert answer.status_code == 200, answer.text
    await stack.run_ended(request["id"])
    return request, people


@pytest.mark.parametrize(
    "path",
    [
        "purchaser-addition-cancelled",
        "purchaser-addition-declined",
        "purchaser-removal-cancelled",
        "purchaser-removal-declined",
        "contact-change-declined",
        "contact-change-cancelled",
    ],
)
async def test_a_request_never_applied_erases_the_people_it_brought_in(
    stack: Stack, keyed: bool, path: str
) -> None:
    caller = Caller(stack, keyed)
    request, people = await _unapplied(caller, path)
    await assert_erased(stack.sessions, *people)
    # Ursula approved as a contact: she keeps what is hers.
    await assert_kept(stack.sessions, URSULA["email"])
    shown = (await stack.http.get(f"/requests/{request['id']}", headers=stack.auth("Derek"))).json()
    if path.startswith("contact-change"):
        assert shown["requested"]["changes"][0]["contact"]["email"] is None
        assert shown["requested"]["changes"][0]["roles"] == ["security"]
    else:
        assert shown["requested"] is None
    _reachable(keyed, await caller.retries())


TIMOTHY_EMAILS = (
    "timothy.ester@energy.example.com",
    "tim.ester@energy.example.com",
    "t.ester@energy.example.com",
)
# His phone as the demo data has it, as people typed it, and the one he was given later.
TIMOTHY_PHONES = (
    "+44 161 496 0003",
    "0161-496 0003",
    "+44 (0)161 4960003",
    "+441614960003",
    "+44 161 496 0033",
    "0161 496 0033",
)
TIMOTHY_JOBS = ("Systems Engineer", "Network Lead", "Head of Networks")
TIMOTHY_NAMES = ("Timothy Ester", "Ester, Timothy", "Mr T. Ester")
MARCH = "Invoice total for March looks wrong"


def _to(email: str) -> Callable[[CapturedMessage], bool]:
    return lambda message: message.recipients == (email,)


async def _update(caller: Caller, contact: str, **fields: str) -> None:
    change = {"op": "update", "contact_id": contact, "fields": fields}
    await caller.implement(await caller.file("contact-change", {"changes": [change]}))


async def test_every_value_a_contact_ever_held_goes_with_them(stack: Stack) -> None:
    """Timothy, a demo contact, is written about and emailed under the details he had from
    the start, is given a new email, phone and job title twice, and is removed: none of the
    emails, phones (in any format), job titles or full names he ever had stays in any table,
    nor in the database's files; a text that does not name him keeps every word."""
    caller = Caller(stack, keyed=True)
    timothy = contact_id(stack, "Timothy")
    own = (
        await caller.post(
            "/tickets",
            {
                "subject": "Timothy Ester: VPN access",
                "body": "Timothy Ester, Systems Engineer, on 0161-496 0003 or +44 (0)161 4960003.",
            },
            who="Timothy",
        )
    ).json()["number"]
    comments = f"/tickets/{own}/comments"
    await caller.post(comments, {"body": "Mr T. Ester: we called +441614960003."}, who="Sam")
    march = (
        await caller.post(
            "/tickets",
            {"subject": MARCH, "body": f"{MARCH}: Timothy Ester (Ester, Timothy; Mr T. Ester)."},
            who="Teresa",
        )
    ).json()["number"]
    unnamed = (
        await caller.post(
            "/tickets", {"subject": "Quarter end", "body": f"{MARCH}. Ask Timothy."}, who="Teresa"
        )
    ).json()["number"]

    await _update(
        caller, timothy, email=TIMOTHY_EMAILS[1], phone="+44 161 496 0033", job_title="Network Lead"
    )
    await caller.post(
        comments,
        {"body": f"Now {TIMOTHY_EMAILS[1]}, 0161 496 0033; Timothy is our Network Lead."},
        who="Sam",
    )
    await _update(caller, timothy, email=TIMOTHY_EMAILS[2], job_title="Head of Networks")
    await caller.post(comments, {"body": "Noted, Mr Ester, Head of Networks."}, who="Sam")
    # The service team's replies went to the address he had at the time.
    for email in TIMOTHY_EMAILS:
        await stack.wait_for_mail(_to(email))

    removed = await caller.file(
        "contact-change", {"changes": [{"op": "remove", "contact_id": timothy}]}
    )
    await caller.implement(removed)
    await stack.run_ended(removed["id"])

    held = (*TIMOTHY_EMAILS, *TIMOTHY_PHONES, *TIMOTHY_JOBS, *TIMOTHY_NAMES)
    await assert_erased(stack.sessions, *held)
    assert files_hold(stack.settings.database_url, *held) == []
    await assert_kept(stack.sessions, MARCH, "Ask Timothy", "Teresa", "Echie")
    sam = stack.auth("Sam")
    shown = (await stack.http.get(f"/tickets/{march}", headers=sam)).json()
    assert shown["subject"] == MARCH
    gone = "[removed contact]"
    assert shown["body"] == f"{MARCH}: {gone} ({gone}; {gone})."
    kept = (await stack.http.get(f"/tickets/{unnamed}", headers=sam)).json()
    assert kept["body"] == f"{MARCH}. Ask Timothy."
    thread = (await stack.http.get(f"/tickets/{own}", headers=sam)).json()
    assert [c["body"] for c in thread["comments"]] == [
        f"{gone}: we called {gone}.",
        f"Now {gone}, {gone}; {gone} is our {gone}.",
        f"Noted, {gone}, {gone}.",
    ]


INVOICE_TEAM = {
    "first_name": "Invoice",
    "last_name": "Team",
    "email": "invoice.team@partners.example.com",
}
MARCH_PLEASE = {"name": "March Please", "email": "march.please@partners.example.com"}


async def test_redaction_touches_only_texts_that_name_the_person_and_the_requester_reads(
    stack: Stack,
) -> None:
    """Derek names a new purchaser contact "Invoice Team" and the purchaser's approver "March
    Please", then cancels: they go from his own comment, which names them, and from nothing
    else: not "Invoice total for March" in Teresa's ticket or the service team's reply, and
    not the purchaser's unshared ticket, which Derek cannot read."""
    paula = await assign_purchaser(stack, _form(contacts=[{**PAULA, "roles": ["financial"]}]))
    paulas = {"Authorization": f"Bearer {paula}"}
    theirs = {"subject": MARCH, "body": f"Invoice Team and March Please: {MARCH}."}
    unshared = await stack.http.post("/tickets", json=theirs, headers=paulas)
    assert unshared.status_code == 201, unshared.text
    teresas = {"subject": MARCH, "body": "May we grant it? I will check."}
    ours = await stack.http.post("/tickets", json=teresas, headers=stack.auth("Teresa"))
    number = ours.json()["number"]
    sam = stack.auth("Sam")
    await stack.http.post(f"/tickets/{number}/comments", json={"body": MARCH}, headers=sam)

    add = {"op": "add", "side": "purchaser", "contact": INVOICE_TEAM, "roles": ["financial"]}
    caller = Caller(stack, keyed=False)
    request = await caller.file("contact-change", {"changes": [add], "approver": MARCH_PLEASE})
    said = f"Invoice Team starts Monday; write to {INVOICE_TEAM['email']}."
    await caller.post(f"/tickets/{request['ticket_number']}/comments", {"body": said})
    cancelled = await stack.http.post(
        f"/requests/{request['id']}/cancel", headers=stack.auth("Derek")
    )
    assert cancelled.status_code == 200, cancelled.text
    await stack.run_ended(request["id"])

    await assert_erased(stack.sessions, INVOICE_TEAM["email"], MARCH_PLEASE["email"])
    shown = (await stack.http.get(f"/tickets/{number}", headers=sam)).json()
    assert (shown["subject"], shown["body"]) == (MARCH, teresas["body"])
    assert [c["body"] for c in shown["comments"]] == [MARCH]
    kept = (await stack.http.get(f"/tickets/{unshared.json()['number']}", headers=paulas)).json()
    assert (kept["subject"], kept["body"]) == (theirs["subject"], theirs["body"])
    thread = (await stack.http.get(f"/tickets/{request['ticket_number']}", headers=sam)).json()
    gone = "[removed contact]"
    assert f"{gone} starts Monday; write to {gone}." in [c["body"] for c in thread["comments"]]
