"""Dataclasses that cross the Temporal boundary: ids, kinds, statuses and decisions only.

No names, emails or addresses ever travel here, so workflow history holds no personal data.
"""

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Protocol, TypeVar

from models.enums import (
    ApprovalStatus,
    Audience,
    EmailEvent,
    RequestKind,
    RequestStatus,
    Side,
    SlaTarget,
)


@dataclass(frozen=True)
class RequestInput:
    request_id: str
    customer_id: str
    kind: RequestKind
    requester_id: str
    review_reminder_seconds: int
    # Filed by the service team for the customer: the customer's Management and Cust Admin
    # contacts to tell so (runs begun before carry none).
    filed_for: tuple[str, ...] = field(default=(), kw_only=True)


class ApprovalTimings(Protocol):
    """The input of a request that collects approvals: how often to remind, when to expire."""

    @property
    def approval_reminder_seconds(self) -> int: ...

    @property
    def approval_expiry_seconds(self) -> int: ...


@dataclass(frozen=True)
class ApproverDecision:
    """An approver's decision, made through their link; a comment is stored, passed by id."""

    side: Side
    approve: bool
    comment_id: int | None = None


@dataclass(frozen=True)
class OpenApprovals:
    request_id: str
    sides: tuple[Side, ...]
    expires_at: datetime
    at: datetime


@dataclass(frozen=True)
class RecordApproval:
    request_id: str
    side: Side
    status: ApprovalStatus
    comment_id: int | None
    at: datetime


@dataclass(frozen=True)
class RequestStep:
    request_id: str
    at: datetime


@dataclass(frozen=True)
class EraseRequest:
    """Erase what a request never applied brought in: closing it as rejected or expired,
    or once it was declined or cancelled (``status``)."""

    request_id: str
    status: RequestStatus
    at: datetime


@dataclass(frozen=True)
class Decision:
    """Who decided (``staff:<id>`` or ``user:<id>``); a decline reason is stored, passed by id."""

    actor: str
    note_id: int | None = None


@dataclass(frozen=True)
class CommentNotice:
    comment_id: int
    author_is_staff: bool


@dataclass
class ApprovalState:
    side: Side
    status: ApprovalStatus


@dataclass
class RequestState:
    status: RequestStatus
    ticket_number: str | None = None
    waiting_for: str = ""
    approvals: list[ApprovalState] = field(default_factory=list)


@dataclass(frozen=True)
class RaiseTicket:
    request_id: str
    at: datetime


@dataclass(frozen=True)
class ApplyChange:
    request_id: str
    actor: str
    at: datetime


Command = TypeVar("Command")


def apply_command(kind: type[Command], request: RequestInput, actor: str, at: datetime) -> Command:
    """The command that applies a request's change: who decided and when, and what else it
    needs from the request's input (the timings and rules it started with)."""
    decided = {"request_id": request.request_id, "actor": actor, "at": at}
    return kind(
        **{
            field.name: decided[field.name]
            if field.name in decided
            else getattr(request, field.name)
            for field in fields(kind)  # type: ignore[arg-type]
        }
    )


@dataclass(frozen=True)
class ApplyResult:
    """Applied, with the new contacts to welcome; or returned, with the reasons' comment."""

    applied: bool
    new_contact_ids: tuple[str, ...] = ()
    comment_id: int | None = None
    # The customer contacts whose roles a purchaser took over.
    roles_moved_from: tuple[str, ...] = ()


@dataclass(frozen=True)
class CloseRequest:
    request_id: str
    status: RequestStatus
    actor: str
    at: datetime
    note_id: int | None = None


@dataclass(frozen=True)
class Notification:
    """One email; ``key`` makes sending idempotent and becomes the Message-ID. It is about a
    request (``request_id``), or about a ticket that no request raised (``ticket_number``)."""

    key: str
    event: EmailEvent
    audience: Audience
    request_id: str | None
    at: datetime
    comment_id: int | None = None
    contact_id: str | None = None
    side: Side | None = None
    ticket_number: str | None = None
    # The service target a warning is about.
    sla_target: SlaTarget | None = None


@dataclass(frozen=True)
class TicketNotice:
    """The emails a ticket's news makes (raised, or a comment), sent in order, each once."""

    notifications: tuple[Notification, ...]


@dataclass(frozen=True)
class PurgeExpired:
    """Purge what expired at or before ``at``."""

    at: datetime


@dataclass(frozen=True)
class SignInEmail:
    """Email the sign-in link ``link_id``, of use for ``lifetime_seconds``; once signed in,
    the person lands on ``next_path``."""

    link_id: int
    at: datetime
    lifetime_seconds: int
    next_path: str | None = None


@dataclass(frozen=True)
class Welcome:
    """Welcome the contacts a customer was created or imported with: each is emailed the
    link that activates their account, once, while it can still be used (ids only)."""

    customer_id: str
    contact_ids: tuple[str, ...]
    at: datetime
    lifetime_seconds: int


@dataclass(frozen=True)
class WelcomeEmail:
    """One contact's welcome, of use for ``lifetime_seconds`` (its link's)."""

    contact_id: str
    at: datetime
    lifetime_seconds: int
