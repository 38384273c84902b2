"""Where a request stands, in words, all of them here: on the request's page, what an open
request waits for or how a closed one ended (a pure function of its status and approvals);
and, from its workflow, what it waits for at this moment (the status query and the Temporal
UI)."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from models.enums import ApprovalStatus, RequestStatus, Side


class ApprovalFacts(Protocol):
    """One approval as the request shows it: its side and status (``ApprovalPublic``)."""

    @property
    def side(self) -> str: ...

    @property
    def status(self) -> str: ...


@dataclass(frozen=True)
class Progress:
    """``label`` says whether ``text`` is what it waits for or how it ended."""

    is_open: bool
    label: str
    text: str


WAITS_FOR = "Waits for"
ENDED = "How it ended"
_SERVICE_TEAM = "the service team's confirmation: they check the change, then implement it"
_APPROVER = {Side.CUSTOMER: "the customer's approver", Side.PURCHASER: "the purchaser's approver"}
_ENDINGS = {
    RequestStatus.IMPLEMENTED: "The service team implemented it: the change is applied.",
    RequestStatus.DECLINED: "The service team declined it; their reason is in the conversation.",
    RequestStatus.CANCELLED: "It was cancelled before it was implemented; nothing was changed.",
    RequestStatus.EXPIRED: (
        "It expired before every approver had decided; nothing was changed and the details "
        "it carried are erased."
    ),
}


def progress(status: RequestStatus, approvals: Sequence[ApprovalFacts]) -> Progress:
    """What the request waits for while open; how it ended once closed."""
    if status is RequestStatus.AWAITING_APPROVAL:
        return Progress(True, WAITS_FOR, _awaiting(approvals))
    if status is RequestStatus.IN_REVIEW:
        return Progress(True, WAITS_FOR, _sentence(_SERVICE_TEAM + " or decline it"))
    if status is RequestStatus.REJECTED:
        return Progress(False, ENDED, _rejected(approvals))
    return Progress(False, ENDED, _ENDINGS[status])


WAITING_FOR_TICKET = "the ticket to be raised"
WAITING_FOR_EMAILS = "its emails to be delivered"
WAITING_FOR_NOTHING = "nothing: the request is closed"


def waiting_for_approval(sides: Sequence[Side]) -> str:
    return "approval by " + _and([_approver(side) for side in sides])


def waiting_for_service_team(ticket_number: str | None) -> str:
    return f"the service team to implement or decline ticket {ticket_number}"


def waiting_for_outcome(outcome: RequestStatus) -> str:
    """The outcome decided, while it is applied or recorded."""
    return f"the {outcome.value} outcome to be recorded"


def details(waiting_for: str) -> str:
    """The workflow's details in the Temporal UI."""
    return f"Waiting for {waiting_for}."


def _awaiting(approvals: Sequence[ApprovalFacts]) -> str:
    pending = [_approver(a.side) for a in approvals if a.status == ApprovalStatus.PENDING]
    approved = [_approver(a.side) for a in approvals if a.status == ApprovalStatus.APPROVED]
    if not pending:
        # The approvals are recorded by the request's first steps, a moment after filing.
        waiting = "the approval of the approvers it names"
    else:
        waiting = f"the approval of {_and(pending)}"
    if approved:
        waiting += f" ({_and(approved)} {'has' if len(approved) == 1 else 'have'} approved)"
    return _sentence(waiting + "; then " + _SERVICE_TEAM)


def _rejected(approvals: Sequence[ApprovalFacts]) -> str:
    rejected = [_approver(a.side) for a in approvals if a.status == ApprovalStatus.REJECTED]
    who = _and(rejected) if rejected else "an approver"
    erased = "nothing was changed and the details it carried are erased"
    return _sentence(f"{who} rejected it; {erased}")


def _approver(side: str) -> str:
    try:
        return _APPROVER[Side(side)]
    except ValueError:
        return f"the {side} approver"


def _and(names: Sequence[str]) -> str:
    if len(names) < 2:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."
