"""Where a request stands, and so which messages it takes: derived from its status and the
decision under way, never kept beside them."""

from enum import Enum

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.enums import RequestStatus


class Stage(Enum):
    WITH_APPROVERS = "with its approvers"
    WITH_SERVICE_TEAM = "with the service team"
    DECIDED = "a decision is being applied"
    CLOSING = "closing unapproved"
    CLOSED = "closed"

    @classmethod
    def of(cls, status: RequestStatus, *, decision_arrived: bool, closing: bool) -> "Stage":
        """The stage of a request with ``status``, once the requester or the service team
        decided (``decision_arrived``) or an approver rejected it or its deadline passed
        (``closing``)."""
        if not status.is_open:
            return cls.CLOSED
        if decision_arrived:
            return cls.DECIDED
        if closing:
            return cls.CLOSING
        if status is RequestStatus.AWAITING_APPROVAL:
            return cls.WITH_APPROVERS
        return cls.WITH_SERVICE_TEAM
