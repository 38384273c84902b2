"""A contact as the rules of every kind see it: who it is, which side, its details and roles,
and how a change would leave it."""

import uuid
from dataclasses import dataclass
from typing import Any

from models.contact_fields import person_name
from models.enums import Role, Side


@dataclass(frozen=True)
class ContactState:
    """A contact as the rules see it: who it is, which side, its details and roles."""

    id: uuid.UUID | None
    side: Side
    details: dict[str, Any]
    roles: frozenset[Role]
    change: str = "unchanged"  # unchanged, updated, added, removed
    origin: int | None = None  # the position of the change that added it

    @property
    def email(self) -> str | None:
        email = self.details.get("email")
        return str(email).lower() if email else None

    @property
    def name(self) -> str:
        return person_name(self.details.get("first_name"), self.details.get("last_name"))
