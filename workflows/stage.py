"""Where a request stands, and so which messages it takes."""

from enum import Enum


class Stage(Enum):
    WITH_APPROVERS = "with its approvers"
    WITH_SERVICE_TEAM = "with the service team"
    DECIDED = "a decision is being applied"
    CLOSING = "closing unapproved"
    CLOSED = "closed"
