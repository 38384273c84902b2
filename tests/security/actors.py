"""The cast of the authorization matrix, and the scene it plays in, set through the API."""

from dataclasses import dataclass
from typing import Any

from devstack.outbox import CapturedMessage
from tests.conftest import PUBLIC_URL, Stack
from tests.e2e.profile import submit, submitted
from tests.e2e.purchaser import URSULA, approval_path, assign_purchaser, token_of
from tests.e2e.test_contact_change import contact_id, filed
from tests.e2e.test_purchaser_removal import bearer, give_financial_to_teresa, raise_ticket, removal

ADAM: dict[str, Any] = {
    "salutation": "Mr",
    "first_name": "Adam",
    "last_name": "Inn",
    "email": "adam.inn@energy.example.com",
    "phone": "+44 161 496 0006",
    "job_title": "Office Manager",
}
PENNY: dict[str, Any] = {
    "salutation": "Ms",
    "first_name": "Penny",
    "last_name": "Ding",
    "email": "penny.ding@energy.example.com",
    "phone": "+44 161 496 0007",
    "job_title": "Support Engineer",
}
NORTHWIND_LEGAL: dict[str, Any] = {
    "name": "Northwind Metals Group Ltd",
    "address": {
        "street": "8 Foundry Lane",
        "city": "Sheffield",
        "postal_code": "S1 2BC",
        "country": "GB",
    },
}
# Every role is held by someone in the cast while the matrix runs; the scene checks this.
ROLES_IN_PLAY: dict[str, set[str]] = {
    "Derek": {"management", "cust_admin"},
    "Adam": {"cust_admin"},
    "Timothy": {"technical", "application", "security"},
    "Ursula": {"agreement"},
    # Teresa's and Ursula's Financial went to the purchaser with its responsibility.
    "Teresa": {"procurement"},
    "Paula": {"financial", "purchaser"},
    "Olive": {"management", "cust_admin", "financial", "agreement"},
}


@dataclass(frozen=True)
class Actor:
    """One column of the matrix: how the caller authenticates, and what it must never see."""

    key: str
    who: str
    bearer: str | None = None
    link: str | None = None
    hidden: frozenset[str] = frozenset()

    def headers(self, on_link: bool) -> dict[str, str]:
        """A link holder opens its link in a browser, without a token; the others send theirs."""
        if self.bearer is None or (on_link and self.link is not None):
            return {}
        return {"Authorization": f"Bearer {self.bearer}"}

    @property
    def link_token(self) -> str:
        """A link's `{token}`: the caller's own link, else its API token, else a guess."""
        return self.link or self.bearer or "not-a-link"


@dataclass(frozen=True)
class Scene:
    """The actors, and the path parameters naming customer 1's objects."""

    actors: tuple[Actor, ...]
    path: dict[str, str]


async def set_scene(stack: Stack) -> Scene:
    """Customer 1 with a purchaser, a pending removal (an approval link), a request in review,
    a pending activation and tickets on both sides; customer 2 with a request and a ticket."""
    paula = await assign_purchaser(stack)
    adam, penny_link = await _new_contacts(stack)
    removal_request, approval_link = await _pending_removal(stack)
    profile = await submitted(stack)
    olive = await _olive_request(stack)
    timothy_ticket = await raise_ticket(stack, stack.auth("Timothy"), "Matrix: ours", False)
    timothy_file = await stack.http.post(
        f"/tickets/{timothy_ticket}/attachments",
        files={"file": ("matrix.txt", b"Timothy's file for the matrix.", "text/plain")},
        headers=stack.auth("Timothy"),
    )
    assert timothy_file.status_code == 201, timothy_file.text
    paula_ticket = await raise_ticket(stack, bearer(paula), "Matrix: purchaser's", False)
    olive_ticket = await raise_ticket(stack, stack.auth("Olive"), "Matrix: Northwind", False)
    await _check_roles(stack)

    customer_1 = {stack.customer_id, "Example Energy", "derek.emonstration@energy.example.com"}
    removal_ids = {removal_request["id"], removal_request["ticket_number"]}
    customer_side = {profile["id"], profile["ticket_number"], timothy_ticket} | removal_ids
    purchaser_side = {paula_ticket}
    customer_2 = {stack.other_customer_id, "Northwind", "olive.ther@northwind.example.com"}
    customer_2 |= {olive["id"], olive["ticket_number"], olive_ticket}
    everything = customer_1 | customer_side | purchaser_side | customer_2
    ours = frozenset(customer_2 | purchaser_side)

    def contact(key: str, name: str, roles: str) -> Actor:
        return Actor(key, f"{name} ({roles})", stack.tokens[name], hidden=ours)

    actors = (
        Actor("anon", "no Authorization header", hidden=frozenset(everything)),
        Actor("bad", "a token that is no one's", "so_not_a_token", hidden=frozenset(everything)),
        contact("mgmt", "Derek", "Management, Cust Admin; filed the requests"),
        Actor("cadm", "Adam (Cust Admin only)", adam, hidden=ours),
        contact("tech", "Timothy", "Technical, Application, Security"),
        contact("agmt", "Ursula", "Agreement"),
        contact("proc", "Teresa", "Procurement"),
        Actor(
            "othr",
            "Olive, the other customer's contact (every requester role)",
            stack.tokens["Olive"],
            hidden=frozenset(everything - customer_2),
        ),
        Actor(
            "purc",
            "Paula, customer 1's purchaser contact (Financial, Purchaser)",
            paula,
            hidden=frozenset(customer_2 | customer_side),
        ),
        Actor("staf", "Sam, the service team", stack.tokens["Sam"]),
        Actor(
            "appr",
            "the link in Ursula's approval email for the removal, pending",
            approval_link,
            link=approval_link,
            hidden=frozenset(customer_2 | purchaser_side | (customer_side - removal_ids)),
        ),
        Actor(
            "actv",
            "the link in Penny's welcome email, not yet used",
            penny_link,
            link=penny_link,
            hidden=frozenset(customer_2 | purchaser_side | customer_side),
        ),
    )
    path = {
        "customer_id": stack.customer_id,
        "request_id": profile["id"],
        "number": timothy_ticket,
        # Teresa, whom the ticket's rows copy on it and take off.
        "contact_id": contact_id(stack, "Teresa"),
        "attachment_id": str(timothy_file.json()["id"]),
        # Alice, the team's member who is not its admin.
        "staff_id": next(str(s["id"]) for s in stack.demo["staff"] if s["name"] == "Alice Agent"),
    }
    return Scene(actors, path)


async def _new_contacts(stack: Stack) -> tuple[str, str]:
    """Adam (Cust Admin only, activated: his API token) and Penny (her unused activation link);
    Teresa gains Procurement and Timothy Application and Security, so every role is in play."""
    batch = {
        "changes": [
            {"op": "add", "contact": ADAM, "roles": ["cust_admin"]},
            {"op": "add", "contact": PENNY, "roles": ["technical"]},
            {
                "op": "add_roles",
                "contact_id": contact_id(stack, "Teresa"),
                "roles": ["procurement"],
            },
            {
                "op": "add_roles",
                "contact_id": contact_id(stack, "Timothy"),
                "roles": ["application", "security"],
            },
        ]
    }
    request = await filed(stack, batch)
    implemented = await stack.http.post(
        f"/requests/{request['id']}/implement", headers=stack.auth("Sam")
    )
    assert implemented.status_code == 200, implemented.text
    adam_path, penny_path = [await _activation_path(stack, person) for person in (ADAM, PENNY)]
    activated = await stack.http.post(adam_path, headers={"Accept": "application/json"})
    assert activated.status_code == 200, activated.text
    return str(activated.json()["token"]), penny_path.removeprefix("/activate/")


async def _activation_path(stack: Stack, person: dict[str, Any]) -> str:
    def welcomes(message: CapturedMessage) -> bool:
        return message.recipients == (person["email"],) and "Welcome" in message.subject

    welcome = await stack.wait_for_mail(welcomes)
    link = next(url for url in welcome.links if url.startswith(f"{PUBLIC_URL}/activate/"))
    return link.removeprefix(PUBLIC_URL)


async def _pending_removal(stack: Stack) -> tuple[dict[str, Any], str]:
    """Derek's purchaser removal, awaiting Ursula's approval; her link's token."""
    filed_removal = await removal(stack, give_financial_to_teresa(stack))
    assert filed_removal.status_code == 201, filed_removal.text
    request = await stack.wait_for_request(
        filed_removal.json()["id"], lambda r: r["ticket_number"] is not None
    )
    email = await stack.wait_for_mail(
        lambda m: m.recipients == (URSULA["email"],) and "requested: remove" in m.subject
    )
    return request, token_of(approval_path(email))


async def _olive_request(stack: Stack) -> dict[str, Any]:
    response = await submit(
        stack, who="Olive", legal=NORTHWIND_LEGAL, customer_id=stack.other_customer_id
    )
    assert response.status_code == 201, response.text
    return await stack.wait_for_request(
        response.json()["id"], lambda r: r["ticket_number"] is not None
    )


async def _check_roles(stack: Stack) -> None:
    held: dict[str, set[str]] = {}
    for customer_id in (stack.customer_id, stack.other_customer_id):
        response = await stack.http.get(
            f"/customers/{customer_id}/contacts", headers=stack.auth("Sam")
        )
        assert response.status_code == 200, response.text
        held |= {c["first_name"]: set(c["roles"]) for c in response.json()}
    assert {name: held.get(name) for name in ROLES_IN_PLAY} == ROLES_IN_PLAY
