"""Who may see and do what, as pure rules over the caller and the facts of what they ask
for. The services ask these; so do the web pages.

A contact sees only their own customer's data; staff see every customer. The customer's
requests are its side's business, as its tickets are: a purchaser's contacts see neither.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from models.enums import REQUESTER_ROLES, RequestStatus, Role, Side


@dataclass(frozen=True)
class Principal:
    """The caller: a user, and for a contact, their customer, side and roles."""

    user_id: uuid.UUID
    is_staff: bool
    contact_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    side: Side | None = None
    roles: frozenset[Role] = frozenset()
    # A team admin: manages the team and archives customers.
    is_admin: bool = False

    @property
    def actor(self) -> str:
        """How the audit trail and the workflows name this caller: an id, never a name."""
        return f"staff:{self.user_id}" if self.is_staff else f"user:{self.user_id}"


@dataclass(frozen=True)
class TicketFacts:
    customer_id: uuid.UUID
    side: Side
    shared: bool
    created_at: datetime


def sees_customer(caller: Principal, customer_id: uuid.UUID) -> bool:
    return caller.is_staff or caller.customer_id == customer_id


def sees_requests(caller: Principal, customer_id: uuid.UUID) -> bool:
    return sees_customer(caller, customer_id) and caller.side is not Side.PURCHASER


def may_file(caller: Principal, customer_id: uuid.UUID) -> bool:
    """The customer's Management or Cust Admin request changes; the service team may file
    them for any customer (acting for it, saying why)."""
    return caller.is_staff or (
        sees_customer(caller, customer_id) and bool(caller.roles & REQUESTER_ROLES)
    )


def may_cancel(caller: Principal, customer_id: uuid.UUID, requester_id: uuid.UUID) -> bool:
    """The requester, or the customer's Management or Cust Admin."""
    if caller.user_id == requester_id:
        return True  # a member of the team who filed it for the customer, too
    if caller.is_staff or not sees_requests(caller, customer_id):
        return False
    return bool(caller.roles & REQUESTER_ROLES)


def may_manage_team(caller: Principal) -> bool:
    """Adding and deactivating members of the team, and archiving customers."""
    return caller.is_staff and caller.is_admin


def may_decide(caller: Principal) -> bool:
    """Implementing or declining a request is the service team's."""
    return caller.is_staff


def may_implement(caller: Principal, requester_id: uuid.UUID, active_team: int) -> bool:
    """Four eyes: a request the team filed for a customer is implemented by another member
    than the one who filed it, unless the team has only one active member."""
    return may_decide(caller) and (caller.user_id != requester_id or active_team <= 1)


def request_actions(
    caller: Principal,
    customer_id: uuid.UUID,
    requester_id: uuid.UUID,
    status: RequestStatus,
    active_team: int = 1,
) -> frozenset[str]:
    """What a request's page offers the caller: "cancel" while it is open, "implement" and
    "decline" while it is with the service team (as the workflow accepts them; implementing
    as ``may_implement`` allows), and "reply" on its ticket to whoever sees the request."""
    actions = set()
    if status.is_open and may_cancel(caller, customer_id, requester_id):
        actions.add("cancel")
    if status is RequestStatus.IN_REVIEW and may_decide(caller):
        actions.add("decline")
        if may_implement(caller, requester_id, active_team):
            actions.add("implement")
    if sees_requests(caller, customer_id):
        actions.add("reply")
    return frozenset(actions)


def may_raise_ticket(caller: Principal) -> bool:
    """Tickets are raised by the customer's and the purchaser's contacts."""
    return not caller.is_staff and caller.customer_id is not None and caller.side is not None


def sees_ticket(caller: Principal, ticket: TicketFacts, purchaser_since: datetime | None) -> bool:
    """Each side sees its own tickets and the other side's shared ones. A purchaser's
    contacts see nothing from before their purchaser was assigned (``purchaser_since``);
    after a removal, the purchaser's unshared tickets stay hidden from the customer."""
    if caller.is_staff:
        return True
    if ticket.customer_id != caller.customer_id:
        return False
    if ticket.side is not caller.side and not ticket.shared:
        return False
    if caller.side is Side.PURCHASER:
        return purchaser_since is not None and ticket.created_at >= purchaser_since
    return True


def may_copy_on_ticket(
    caller: Principal, ticket: TicketFacts, raised_by_id: uuid.UUID | None
) -> bool:
    """Copying contacts onto a ticket, and taking them off: the service team, whoever raised
    it (a request's ticket: its requester), and the customer's Management and Cust Admin
    when they see it. Others who see it may not (403); others still do not see it (404)."""
    if caller.is_staff or (raised_by_id is not None and caller.user_id == raised_by_id):
        return True
    customers_own = caller.side is Side.CUSTOMER and caller.customer_id == ticket.customer_id
    seen = ticket.side is Side.CUSTOMER or ticket.shared
    return customers_own and seen and bool(caller.roles & REQUESTER_ROLES)


def may_be_copied(
    ticket: TicketFacts, customer_id: uuid.UUID, side: Side, purchaser_since: datetime | None
) -> bool:
    """A contact (of ``customer_id`` and ``side``) may be copied on a ticket that the
    contacts of their side see: its own side's, or both sides' when it is shared (the
    purchaser's only from when it was assigned). A copy is emailed the replies: nobody
    else may hear of a ticket."""
    anyone = Principal(user_id=uuid.UUID(int=0), is_staff=False, customer_id=customer_id, side=side)
    return sees_ticket(anyone, ticket, purchaser_since)


def may_resolve_ticket(caller: Principal, raised_by: uuid.UUID | None) -> bool:
    """The service team resolves a ticket it can see, and so does whoever raised it."""
    return caller.is_staff or caller.user_id == raised_by


def may_assign_ticket(caller: Principal) -> bool:
    return caller.is_staff


def may_read_audit(caller: Principal, customer_id: uuid.UUID) -> bool:
    """The service team, and the customer's Management."""
    management = caller.side is Side.CUSTOMER and Role.MANAGEMENT in caller.roles
    return caller.is_staff or (sees_customer(caller, customer_id) and management)


def sees_team_notes(caller: Principal) -> bool:
    """The service team's notes (on a ticket, on a customer) are the service team's alone:
    no contact or approver ever reads one, or learns that one was written."""
    return caller.is_staff


def sees_messages_sent(caller: Principal) -> bool:
    """The list of the emails sent to a customer's people is the service team's record."""
    return caller.is_staff


# Audit events of what the service team keeps to itself.
TEAM_ONLY_ACTIONS = frozenset({"note_added"})


def sees_audit_event(caller: Principal, action: str, detail: dict[str, Any]) -> bool:
    """A ticket the purchaser raised without sharing: the customer may not know it exists,
    nor that emails about it went out. Nor that the team wrote itself a note."""
    private = (
        "ticket" in detail
        and detail.get("side") == Side.PURCHASER.value
        and not detail.get("shared")
    )
    return caller.is_staff or not (private or action in TEAM_ONLY_ACTIONS)
