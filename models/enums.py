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
