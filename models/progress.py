"""Where a request stands, in words: what an open request waits for, or how a closed one
ended. A pure function of its status and its approvals, shown on the request's page."""

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
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."
