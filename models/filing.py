"""What a request is checked against when it is filed: the customer as it is."""

from collections.abc import Sequence
from dataclasses import dataclass

from models.contact_state import ContactState
from models.customer import CustomerProfile
from models.enums import Responsibility, Role


@dataclass(frozen=True)
class FilingContext:
    profile: CustomerProfile
    contacts: Sequence[ContactState]
    # The assigned purchaser's responsibility; None without a purchaser.
    purchaser: Responsibility | None
    requester_email: str | None
    required_roles: tuple[Role, ...]
    # Of the emails the form gives, those a living contact uses: anywhere, and at another
    # customer (lower case).
    emails_in_use: frozenset[str]
    emails_elsewhere: frozenset[str]
