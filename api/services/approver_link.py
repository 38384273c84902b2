"""The approval page behind an approver's link: see, comment, approve or reject."""

from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import (
    Client,
)

from api import gateway
from api.errors import ApiError, LinkProblem, Refused, Unavailable
from api.gateway import TicketNotRaised
from api.services import tickets
from api.services.links import SpentLink, check_usable, find_link
from models.approval import Approval
from models.contact import Contact
from models.customer import Customer
from models.enums import (
    ApprovalStatus,
    Capacity,
    CommentKind,
    LinkPurpose,
    RequestStatus,
    Side,
)
from models.kinds import KINDS
from models.link import LinkToken
from models.payloads import ApproverDecision
from models.personal_data import approver_named
from models.queries import asks_of
from models.redaction import REDACTED
from models.request import ChangeRequest
from models.sla import Targets
from models.ticket import Ticket, TicketComment
from models.types import utcnow
from models.user import User
from workflows.request import RequestWorkflow

DECIDED = LinkProblem(
    410,
    "Your decision has been recorded",
    "This link has been used to decide and cannot decide again. The service team will be in "
    "touch through the ticket if needed.",
)
EXPIRED = LinkProblem(
    410,
    "This request has expired",
    "It was not approved in time. The requester has been told and may file it again.",
)
CLOSED = LinkProblem(
    410,
    "This request is no longer open",
    "It was rejected, cancelled or has expired, so there is nothing left to decide.",
)
BUSY = LinkProblem(
    503,
    "Please open your link again in a few minutes",
    "Your decision could not be confirmed just now. If it was recorded, the page will say so; "
    "otherwise you can decide again.",
)
SPENT = SpentLink(used=DECIDED, expired=EXPIRED)
_NOW_IT_IS = {
    RequestStatus.IN_REVIEW: "it is now with the service team",
    RequestStatus.IMPLEMENTED: "the service team has implemented it",
    RequestStatus.DECLINED: "the service team has since declined it",
    RequestStatus.CANCELLED: "the requester has since cancelled it",
    RequestStatus.REJECTED: "the request is closed",
    RequestStatus.EXPIRED: "it was not approved in time by everyone asked, and has expired",
}
_CLOSED_BEFORE_YOU_DECIDED = {
    RequestStatus.EXPIRED: EXPIRED,
    RequestStatus.CANCELLED: LinkProblem(
        410,
        "This request was cancelled",
        "The requester cancelled it, so there is nothing left for you to decide.",
    ),
    RequestStatus.DECLINED: LinkProblem(
        410,
        "This request was declined",
        "The service team declined it, so there is nothing left for you to decide.",
    ),
}
# The comments an approver's page shows: their own (of their side), and the replies to them.
CONVERSATION = (
    CommentKind.APPROVER,
    CommentKind.APPROVER_QUESTION,
    CommentKind.REPLY_TO_APPROVER,
)


@dataclass(frozen=True)
class ApprovalPage:
    side: str
    approver: str
    customer: str
    asks: str
    facts: list[tuple[str, str]]
    list_title: str
    items: list[str]
    ticket_number: str
    expires: str
    # The roles the customer's contacts give up to the purchaser, once it is implemented.
    moves: list[str]
    # This approver's messages and the service team's replies to them: (who, text).
    conversation: list[tuple[str, str]]
    # Why they are asked, where it is not plain from what is asked.
    why: str = ""


async def approval_page(session: AsyncSession, token: str) -> ApprovalPage:
    link, request = await _open(session, token)
    assert link.side is not None and request.requested is not None
    customer = await session.get_one(Customer, request.customer_id)
    requester = await session.get(User, request.requester_id)
    contact = await session.get(Contact, requester.contact_id) if requester else None
    comments = await session.exec(
        select(TicketComment)
        .join(Ticket)
        .where(
            Ticket.request_id == request.id,
            col(TicketComment.kind).in_(CONVERSATION),
            TicketComment.side == link.side,
        )
        .order_by(col(TicketComment.id))
    )
    asks = await asks_of(session, request)
    assert asks is not None, "a kind with approvers says what it asks them"
    approver = approver_named(KINDS[request.kind].people, request.requested, link.side)
    return ApprovalPage(
        side=link.side.value,
        approver=approver.name if approver else REDACTED,
        customer=customer.legal_name,
        asks=f"asks to {asks.what}",
        why=asks.why,
        facts=[*asks.facts, ("Requested by", contact.display_name if contact else "")],
        list_title=asks.list_title,
        items=asks.items,
        ticket_number=request.ticket_number or "",
        expires=f"{link.expires_at:%d %B %Y}",
        moves=asks.moves,
        conversation=[
            ("Service team" if c.kind is CommentKind.REPLY_TO_APPROVER else "You", c.body)
            for c in comments
        ],
    )


async def ask(
    session: AsyncSession,
    temporal: Client,
    task_queue: str,
    targets: Targets,
    token: str,
    body: str,
    form_key: str | None = None,
) -> None:
    """The approver's question to the service team, on the request's ticket; the service
    team is emailed it, once however often the same form (``form_key``) is sent."""
    link, request = await _open(session, token)
    assert link.side is not None
    kind = CommentKind.APPROVER_QUESTION
    comment_id = await _store_comment(session, request, link.side, body, kind, form_key)
    comment = await session.get_one(TicketComment, comment_id)
    ticket = await session.get_one(Ticket, comment.ticket_id)
    try:
        await tickets.announce_comment(
            session,
            temporal,
            task_queue,
            targets,
            ticket,
            request,
            comment,
            Capacity.APPROVER_QUESTION,
        )
    except ApiError as error:
        raise _as_page_problem(error) from error


@dataclass(frozen=True)
class Decided:
    # Recorded already, or still being recorded.
    settled: bool
    # How many approvers the request asks (one, or one at each organisation).
    approvers: int


async def decide(
    session: AsyncSession, temporal: Client, token: str, approve: bool, comment: str | None
) -> Decided:
    """Deliver the approver's decision."""
    link, request = await _open(session, token)
    assert link.side is not None
    approvers = len(
        list(await session.exec(select(Approval.id).where(Approval.request_id == request.id)))
    )
    comment_id = await _store_comment(session, request, link.side, comment) if comment else None
    decision = ApproverDecision(side=link.side, approve=approve, comment_id=comment_id)
    try:
        settled = await gateway.decide(
            session, temporal, request, RequestWorkflow.decide_approval, decision, comment_id
        )
    except ApiError as error:
        raise _as_page_problem(error) from error
    return Decided(settled, approvers)


async def _open(session: AsyncSession, token: str) -> tuple[LinkToken, ChangeRequest]:
    """The link and its request while the approver can decide; otherwise what became of it."""
    link = await find_link(session, token, LinkPurpose.APPROVAL)
    request = await session.get(ChangeRequest, link.request_id)
    if request is None or request.status is not RequestStatus.AWAITING_APPROVAL:
        raise await _closed(session, request, link.side)
    check_usable(link, utcnow(), SPENT)
    return link, request


async def _closed(
    session: AsyncSession, request: ChangeRequest | None, side: Side | None
) -> LinkProblem:
    """What the page says of a request no longer awaiting approval, to the approver of
    ``side``: their own decision if they made one, or why there is nothing to decide."""
    if request is None:
        return CLOSED
    mine = await session.scalar(
        select(Approval.status).where(Approval.request_id == request.id, Approval.side == side)
    )
    if mine in (ApprovalStatus.APPROVED, ApprovalStatus.REJECTED):
        now = _NOW_IT_IS.get(request.status, "it is no longer open")
        return LinkProblem(
            410, "Your decision has been recorded", f"You {mine} this request; {now}."
        )
    if request.status is RequestStatus.REJECTED:
        other = next(s for s in Side if s is not side)
        return LinkProblem(
            410,
            "This request was rejected",
            f"The {other}'s approver rejected it, so there is nothing left for you to decide. "
            "The requester has been told.",
        )
    return _CLOSED_BEFORE_YOU_DECIDED.get(request.status, CLOSED)


async def _store_comment(
    session: AsyncSession,
    request: ChangeRequest,
    side: Side,
    body: str,
    kind: CommentKind = CommentKind.APPROVER,
    form_key: str | None = None,
) -> int:
    try:
        return await gateway.store_comment(
            session, request, kind, body, side=side, form_key=form_key
        )
    except TicketNotRaised as error:
        raise BUSY from error


def _as_page_problem(error: ApiError) -> LinkProblem:
    if isinstance(error, Refused) and error.reason == "AlreadyDecided":
        return DECIDED
    if isinstance(error, Unavailable):
        return BUSY
    return CLOSED
