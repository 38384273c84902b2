"""What a request asks its approvers, in words: the one view of it that the approval page and
the approval emails show. Each kind puts its own from its kept form and the customer as it
stands (its registry entry's ``asks``)."""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from models.contact_state import ContactState
from models.enums import Responsibility, Role

NO_LONGER_LISTED = "a contact no longer listed"


@dataclass(frozen=True)
class PurchaserNow:
    name: str
    responsibility: Responsibility


@dataclass(frozen=True)
class Standing:
    """The customer as a request's words need it: its name, contacts and purchaser."""

    customer_name: str
    contacts: Sequence[ContactState]
    purchaser: PurchaserNow | None

    @property
    def purchaser_name(self) -> str:
        return self.purchaser.name if self.purchaser else ""

    def name_of(self, contact_id: uuid.UUID | None) -> str:
        found = next((c for c in self.contacts if c.id == contact_id and c.name), None)
        return found.name if found else NO_LONGER_LISTED


@dataclass(frozen=True)
class Asks:
    """``what`` completes "<customer> asks to …"; ``subject`` the approval email's subject."""

    what: str
    subject: str
    facts: list[tuple[str, str]]
    list_title: str
    items: list[str]
    # The roles the customer's contacts give up, once it is implemented.
    moves: list[str] = field(default_factory=list)
    # Why the approver is asked, where it is not plain from ``what``.
    why: str = ""


def role_words(roles: Iterable[Role]) -> str:
    return ", ".join(role.value.replace("_", " ") for role in roles)
