"""Vocabulary shared by the database, the API and the workflows (no SQLModel here)."""

from enum import StrEnum


class Role(StrEnum):
    MANAGEMENT = "management"
    CUST_ADMIN = "cust_admin"
    FINANCIAL = "financial"
    AGREEMENT = "agreement"
    TECHNICAL = "technical"
    APPLICATION = "application"
    SECURITY = "security"
    PROCUREMENT = "procurement"
    PURCHASER = "purchaser"

    @property
    def label(self) -> str:
        """``Cust Admin`` for ``cust_admin``: the role as a person reads it."""
        return self.value.replace("_", " ").title()


REQUESTER_ROLES = frozenset({Role.MANAGEMENT, Role.CUST_ADMIN})


class Side(StrEnum):
    CUSTOMER = "customer"
    PURCHASER = "purchaser"


class Responsibility(StrEnum):
    """What a purchaser organisation takes over from its customer."""

    FINANCIAL = "financial"
    CONTRACTUAL = "contractual"
    BOTH = "both"


class RequestKind(StrEnum):
    PROFILE_CHANGE = "profile_change"
    CONTACT_CHANGE = "contact_change"
    PURCHASER_ADDITION = "purchaser_addition"
    PURCHASER_REMOVAL = "purchaser_removal"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")

    @property
    def slug(self) -> str:
        return self.value.replace("_", "-")


class RequestStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    IN_REVIEW = "in_review"
    IMPLEMENTED = "implemented"
    REJECTED = "rejected"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES


OPEN_STATUSES = frozenset({RequestStatus.AWAITING_APPROVAL, RequestStatus.IN_REVIEW})


class UserState(StrEnum):
    PENDING_ACTIVATION = "pending_activation"
    ACTIVE = "active"
    ARCHIVED = "archived"


class CommentKind(StrEnum):
    COMMENT = "comment"
    DECLINE_REASON = "decline_reason"
    SYSTEM = "system"
    # An approver's comment with their decision (and, before questions had their own kind,
    # any comment from an approval page).
    APPROVER = "approver"
    # An approver's question from their approval page, and the service team's reply to it.
    APPROVER_QUESTION = "approver_question"
    REPLY_TO_APPROVER = "reply_to_approver"


class TicketStatus(StrEnum):
    """Where a ticket stands: whose turn it is, or that it is done."""

    # Waiting for the service team.
    OPEN = "open"
    # The service team replied: the customer's turn (the resolution clock pauses).
    WAITING_FOR_CUSTOMER = "waiting_for_customer"
    RESOLVED = "resolved"
    # Resolved for long enough: it takes no more replies.
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return _TICKET_STATUS_LABELS[self]

    @property
    def is_active(self) -> bool:
        """Still being worked on: its service targets' clocks may run."""
        return self in (TicketStatus.OPEN, TicketStatus.WAITING_FOR_CUSTOMER)


_TICKET_STATUS_LABELS = {
    TicketStatus.OPEN: "Waiting for the service team",
    TicketStatus.WAITING_FOR_CUSTOMER: "Waiting for the customer",
    TicketStatus.RESOLVED: "Resolved",
    TicketStatus.CLOSED: "Closed",
}


class SlaTarget(StrEnum):
    """The service team's targets on a ticket."""

    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"

    @property
    def label(self) -> str:
        return "First response" if self is SlaTarget.FIRST_RESPONSE else "Resolution"


class Capacity(StrEnum):
    """In what capacity a ticket comment was written, as the ticket and emails show it."""

    REQUESTER = "requester"
    CONTACT = "contact"
    APPROVER_QUESTION = "approver_question"
    APPROVER_DECISION = "approver_decision"
    SERVICE_TEAM = "service_team"
    SYSTEM = "system"

    @property
    def label(self) -> str:
        return _CAPACITY_LABELS[self]


_CAPACITY_LABELS = {
    Capacity.REQUESTER: "Requester",
    Capacity.CONTACT: "Contact",
    Capacity.APPROVER_QUESTION: "Approver's question",
    Capacity.APPROVER_DECISION: "Approver's decision",
    Capacity.SERVICE_TEAM: "Service team",
    Capacity.SYSTEM: "Signoff",
}


class EmailEvent(StrEnum):
    """One email template per event, in ``email_templates/<event>.txt|.html``."""

    REQUEST_RECEIVED = "request_received"
    TICKET_COMMENT = "ticket_comment"
    REQUEST_IMPLEMENTED = "request_implemented"
    REQUEST_DECLINED = "request_declined"
    REQUEST_CANCELLED = "request_cancelled"
    REVIEW_REMINDER = "review_reminder"
    REQUEST_RETURNED = "request_returned"
    WELCOME = "welcome"
    APPROVAL_REQUEST = "approval_request"
    APPROVAL_REMINDER = "approval_reminder"
    REQUEST_APPROVED = "request_approved"
    REQUEST_REJECTED = "request_rejected"
    REQUEST_EXPIRED = "request_expired"
    # To the service team: a request filed, a ticket raised, a contact's comment or an
    # approver's question.
    REQUEST_FILED = "request_filed"
    TICKET_RAISED = "ticket_raised"
    COMMENT_TO_SERVICE_TEAM = "comment_to_service_team"
    # The service team's reply to an approver, and to the contact who raised a ticket.
    REPLY_TO_APPROVER = "reply_to_approver"
    TICKET_REPLY = "ticket_reply"
    # To a customer contact whose roles a purchaser took over.
    ROLES_MOVED = "roles_moved"
    # To anyone with an account who asked to sign in to the portal.
    SIGN_IN = "sign_in"
    # To the customer's Management and Cust Admin: the service team filed a request for them.
    FILED_FOR_CUSTOMER = "filed_for_customer"
    # To a ticket's owner (or the team address): a service target is about to be missed.
    SLA_WARNING = "sla_warning"
    # To a contact copied on a ticket: they will be emailed its replies.
    TICKET_COPIED = "ticket_copied"

    @property
    def label(self) -> str:
        """What the email was, in plain words (a customer's Messages sent)."""
        return _EMAIL_EVENT_LABELS[self]

    @property
    def to_service_team(self) -> bool:
        """Sent to the service team (its address or a member), never to a customer's people."""
        return self in _SERVICE_TEAM_EVENTS


_EMAIL_EVENT_LABELS = {
    EmailEvent.REQUEST_RECEIVED: "Request received",
    EmailEvent.TICKET_COMMENT: "Service team's reply on a request",
    EmailEvent.REQUEST_IMPLEMENTED: "Request implemented",
    EmailEvent.REQUEST_DECLINED: "Request declined",
    EmailEvent.REQUEST_CANCELLED: "Request cancelled",
    EmailEvent.REVIEW_REMINDER: "Review reminder",
    EmailEvent.REQUEST_RETURNED: "Request needs another look",
    EmailEvent.WELCOME: "Welcome",
    EmailEvent.APPROVAL_REQUEST: "Approval request",
    EmailEvent.APPROVAL_REMINDER: "Approval reminder",
    EmailEvent.REQUEST_APPROVED: "Request approved",
    EmailEvent.REQUEST_REJECTED: "Request rejected",
    EmailEvent.REQUEST_EXPIRED: "Request expired",
    EmailEvent.REQUEST_FILED: "Request filed",
    EmailEvent.TICKET_RAISED: "Ticket raised",
    EmailEvent.COMMENT_TO_SERVICE_TEAM: "Comment to the service team",
    EmailEvent.REPLY_TO_APPROVER: "Service team's reply to an approver",
    EmailEvent.TICKET_REPLY: "Service team's reply on a ticket",
    EmailEvent.ROLES_MOVED: "Roles moved to the purchaser",
    EmailEvent.SIGN_IN: "Sign-in link",
    EmailEvent.FILED_FOR_CUSTOMER: "Request filed by the service team",
    EmailEvent.SLA_WARNING: "Service target warning",
    EmailEvent.TICKET_COPIED: "Copied on a ticket",
}
_SERVICE_TEAM_EVENTS = frozenset(
    {
        EmailEvent.REQUEST_FILED,
        EmailEvent.TICKET_RAISED,
        EmailEvent.COMMENT_TO_SERVICE_TEAM,
        EmailEvent.REVIEW_REMINDER,
        EmailEvent.SLA_WARNING,
    }
)


class Audience(StrEnum):
    """Who an email goes to; the address is looked up by the activity, never carried."""

    REQUESTER = "requester"
    SERVICE_TEAM = "service_team"
    CONTACT = "contact"
    APPROVER = "approver"


class LinkPurpose(StrEnum):
    ACTIVATION = "activation"
    APPROVAL = "approval"
    SIGN_IN = "sign_in"


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
