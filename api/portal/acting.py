"""The service team acting for a customer: a kind's form, as the customer's own, at the
customer's address under ``/portal/customers/{id}``, with one more field, the Reason."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from api.errors import NotFound
from api.services.portal_sessions import SignedIn
from models.on_behalf import FIELD

LABEL = "Reason"
LABELS = {FIELD: LABEL}


@dataclass(frozen=True)
class Acting:
    """The customer the team acts for, and where its forms are."""

    customer_id: uuid.UUID
    name: str

    @property
    def base(self) -> str:
        return f"/portal/customers/{self.customer_id}"

    def page(self, path: str) -> str:
        """A customer's page (``/portal/profile``) as the team acting for it reaches it."""
        return self.base + path.removeprefix("/portal")


def customer_of(person: SignedIn, customer_id: uuid.UUID | None = None) -> uuid.UUID:
    """The customer a form is for: the contact's own, or the one the service team acts for
    (``customer_id``, from the page's address). Anyone else gets 404."""
    if customer_id is not None:
        if not person.principal.is_staff:
            raise NotFound("this page is for the service team")
        return customer_id
    if person.principal.customer_id is None:
        raise NotFound("this page is for a customer's contacts")
    return person.principal.customer_id


def reason(posted: Mapping[str, Any]) -> str:
    return str(posted.get(FIELD, "")).strip()


def with_reason(data: dict[str, Any], typed: str, acting: Acting | None) -> dict[str, Any]:
    """The form as the API's JSON, with the reason when the team files it (an empty one
    is none given, refused by the rules beside its field)."""
    if acting is not None:
        data[FIELD] = typed or None
    return data
