"""The access policy as one table: each kind of caller against each thing they may ask."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from models.access import (
    Principal,
    TicketFacts,
    may_be_copied,
    may_cancel,
    may_copy_on_ticket,
    may_decide,
    may_file,
    may_raise_ticket,
    may_read_audit,
    request_actions,
    sees_audit_event,
    sees_customer,
    sees_messages_sent,
    sees_requests,
    sees_team_notes,
    sees_ticket,
)
from models.enums import RequestStatus, Role, Side

OURS, THEIRS = uuid.uuid4(), uuid.uuid4()
REQUESTER = uuid.uuid4()
ADDED = datetime(2026, 6, 1, tzinfo=UTC)


def _contact(side: Side, *roles: Role, user_id: uuid.UUID | None = None) -> Principal:
    return Principal(
        user_id=user_id or uuid.uuid4(),
        is_staff=False,
        contact_id=uuid.uuid4(),
        customer_id=OURS,
        side=side,
        roles=frozenset(roles),
    )


CALLERS = {
    "staff": Principal(user_id=uuid.uuid4(), is_staff=True),
    "management": _contact(Side.CUSTOMER, Role.MANAGEMENT),
    "cust admin": _contact(Side.CUSTOMER, Role.CUST_ADMIN),
    "requester, technical": _contact(Side.CUSTOMER, Role.TECHNICAL, user_id=REQUESTER),
    "technical": _contact(Side.CUSTOMER, Role.TECHNICAL),
    "purchaser": _contact(Side.PURCHASER, Role.PURCHASER, Role.FINANCIAL),
    "another customer's": Principal(
        user_id=uuid.uuid4(),
        is_staff=False,
        contact_id=uuid.uuid4(),
        customer_id=THEIRS,
        side=Side.CUSTOMER,
        roles=frozenset({Role.MANAGEMENT, Role.CUST_ADMIN}),
    ),
}


def _offers(action: str, status: RequestStatus) -> Callable[[Principal], bool]:
    """Whether a request of ours, in ``status``, offers the caller ``action``."""
    return lambda c: action in request_actions(c, OURS, REQUESTER, status)


def _ticket(side: Side, shared: bool = False, before: bool = False) -> TicketFacts:
    created = ADDED - timedelta(days=1) if before else ADDED + timedelta(days=1)
    return TicketFacts(OURS, side, shared, created)


ASKS: dict[str, Callable[[Principal], bool]] = {
    "sees the customer": lambda c: sees_customer(c, OURS),
    "sees its requests": lambda c: sees_requests(c, OURS),
    "files a request": lambda c: may_file(c, OURS),
    "cancels one": lambda c: may_cancel(c, OURS, REQUESTER),
    "implements or declines": may_decide,
    "is offered cancel, awaiting approval": _offers("cancel", RequestStatus.AWAITING_APPROVAL),
    "is offered cancel, in review": _offers("cancel", RequestStatus.IN_REVIEW),
    "is offered cancel, implemented": _offers("cancel", RequestStatus.IMPLEMENTED),
    "is offered implement, in review": _offers("implement", RequestStatus.IN_REVIEW),
    "is offered implement, awaiting approval": _offers(
        "implement", RequestStatus.AWAITING_APPROVAL
    ),
    "is offered decline, in review": _offers("decline", RequestStatus.IN_REVIEW),
    "is offered decline, awaiting approval": _offers("decline", RequestStatus.AWAITING_APPROVAL),
    "is offered decline, cancelled": _offers("decline", RequestStatus.CANCELLED),
    "is offered a reply, in review": _offers("reply", RequestStatus.IN_REVIEW),
    "is offered a reply, declined": _offers("reply", RequestStatus.DECLINED),
    "raises a ticket": may_raise_ticket,
    "reads the audit": lambda c: may_read_audit(c, OURS),
    "sees a customer ticket": lambda c: sees_ticket(c, _ticket(Side.CUSTOMER), ADDED),
    "sees a shared customer ticket": lambda c: sees_ticket(c, _ticket(Side.CUSTOMER, True), ADDED),
    "sees a shared one from before": lambda c: sees_ticket(
        c, _ticket(Side.CUSTOMER, True, before=True), ADDED
    ),
    "sees a purchaser ticket": lambda c: sees_ticket(c, _ticket(Side.PURCHASER), ADDED),
    "sees a shared purchaser ticket": lambda c: sees_ticket(
        c, _ticket(Side.PURCHASER, True), ADDED
    ),
    "sees an unshared purchaser ticket after removal": lambda c: sees_ticket(
        c, _ticket(Side.PURCHASER), None
    ),
    "sees that the purchaser raised one unshared": lambda c: sees_audit_event(
        c, "ticket_raised", {"ticket": "SO-00001", "side": "purchaser", "shared": False}
    ),
    "sees an email about it": lambda c: sees_audit_event(
        c, "email_sent", {"ticket": "SO-00001", "side": "purchaser", "shared": False}
    ),
    "sees an email about a shared one": lambda c: sees_audit_event(
        c, "email_sent", {"ticket": "SO-00001", "side": "purchaser", "shared": True}
    ),
    "reads and writes the team's notes": sees_team_notes,
    "sees that a note was added": lambda c: sees_audit_event(
        c, "note_added", {"ticket": "SO-00001"}
    ),
    "reads the messages sent": sees_messages_sent,
    "copies on a customer ticket": lambda c: may_copy_on_ticket(
        c, _ticket(Side.CUSTOMER), REQUESTER
    ),
    "copies on a shared purchaser ticket": lambda c: may_copy_on_ticket(
        c, _ticket(Side.PURCHASER, True), None
    ),
    "copies on a purchaser ticket": lambda c: may_copy_on_ticket(c, _ticket(Side.PURCHASER), None),
    "copies on a purchaser ticket it raised": lambda c: may_copy_on_ticket(
        c, _ticket(Side.PURCHASER), CALLERS["purchaser"].user_id
    ),
}

# Columns: staff, management, cust admin, the requester (technical), technical, purchaser,
# another customer's contact.
TABLE = """
sees the customer                               Y Y Y Y Y Y .
sees its requests                               Y Y Y Y Y . .
files a request                                 Y Y Y . . . .
cancels one                                     . Y Y Y . . .
implements or declines                          Y . . . . . .
is offered cancel, awaiting approval            . Y Y Y . . .
is offered cancel, in review                    . Y Y Y . . .
is offered cancel, implemented                  . . . . . . .
is offered implement, in review                 Y . . . . . .
is offered implement, awaiting approval         . . . . . . .
is offered decline, in review                   Y . . . . . .
is offered decline, awaiting approval           . . . . . . .
is offered decline, cancelled                   . . . . . . .
is offered a reply, in review                   Y Y Y Y Y . .
is offered a reply, declined                    Y Y Y Y Y . .
raises a ticket                                 . Y Y Y Y Y Y
reads the audit                                 Y Y . . . . .
sees a customer ticket                          Y Y Y Y Y . .
sees a shared customer ticket                   Y Y Y Y Y Y .
sees a shared one from before                   Y Y Y Y Y . .
sees a purchaser ticket                         Y . . . . Y .
sees a shared purchaser ticket                  Y Y Y Y Y Y .
sees an unshared purchaser ticket after removal Y . . . . . .
sees that the purchaser raised one unshared     Y . . . . . .
sees an email about it                          Y . . . . . .
sees an email about a shared one                Y Y Y Y Y Y Y
reads and writes the team's notes               Y . . . . . .
sees that a note was added                      Y . . . . . .
reads the messages sent                         Y . . . . . .
copies on a customer ticket                     Y Y Y Y . . .
copies on a shared purchaser ticket             Y Y Y . . . .
copies on a purchaser ticket                    Y . . . . . .
copies on a purchaser ticket it raised          Y . . . . Y .
"""


def _cases() -> list[tuple[str, str, bool]]:
    cases = []
    for line in TABLE.strip().splitlines():
        (*words,) = line.split()
        marks, ask = words[-len(CALLERS) :], " ".join(words[: -len(CALLERS)])
        assert ask in ASKS, ask
        cases += [(ask, caller, mark == "Y") for caller, mark in zip(CALLERS, marks, strict=True)]
    assert {ask for ask, _, _ in cases} == set(ASKS), "every rule has its row"
    return cases


@pytest.mark.parametrize(("ask", "caller", "allowed"), _cases())
def test_the_policy(ask: str, caller: str, allowed: bool) -> None:
    assert ASKS[ask](CALLERS[caller]) is allowed


@pytest.mark.parametrize("status", list(RequestStatus))
def test_a_request_offers_only_what_the_rules_and_its_status_allow(status: RequestStatus) -> None:
    for caller in CALLERS.values():
        offered = request_actions(caller, OURS, REQUESTER, status)
        assert offered <= {"cancel", "implement", "decline", "reply"}
        assert ("cancel" in offered) is (status.is_open and may_cancel(caller, OURS, REQUESTER))
        in_review = status is RequestStatus.IN_REVIEW
        assert (
            ("implement" in offered) is ("decline" in offered) is (in_review and may_decide(caller))
        )


# Whom a ticket may be copied to: a contact of ours on either side, or another customer's.
# Columns: a customer ticket, shared; a purchaser ticket, shared; a shared one from before
# the purchaser was assigned.
COPIES = """
our customer contact   Y Y . Y Y
our purchaser contact  . Y Y Y .
another customer's     . . . . .
"""
_CONTACTS = {
    "our customer contact": (OURS, Side.CUSTOMER),
    "our purchaser contact": (OURS, Side.PURCHASER),
    "another customer's": (THEIRS, Side.CUSTOMER),
}
_TICKETS = (
    _ticket(Side.CUSTOMER),
    _ticket(Side.CUSTOMER, True),
    _ticket(Side.PURCHASER),
    _ticket(Side.PURCHASER, True),
    _ticket(Side.CUSTOMER, True, before=True),
)


def _copies() -> list[tuple[str, int, bool]]:
    cases = []
    for line in COPIES.strip().splitlines():
        *words, a, b, c, d, e = line.split()
        cases += [(" ".join(words), i, mark == "Y") for i, mark in enumerate((a, b, c, d, e))]
    return cases


@pytest.mark.parametrize(("contact", "ticket", "allowed"), _copies())
def test_only_contacts_who_see_a_ticket_may_be_copied_on_it(
    contact: str, ticket: int, allowed: bool
) -> None:
    customer_id, side = _CONTACTS[contact]
    purchaser_since = ADDED if side is Side.PURCHASER else None
    assert may_be_copied(_TICKETS[ticket], customer_id, side, purchaser_since) is allowed
