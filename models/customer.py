"""The customer organisation: legal and payment name and address."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints
from sqlmodel import Column, Field, SQLModel

from models.common import Address, NamedAddress, plain_text
from models.purchaser import PurchaserPublic
from models.request import RequestSummary
from models.types import UTCDateTime, utcnow

# The longest reason for archiving a customer (its column's length).
ARCHIVE_REASON_MAX = 1000


class Customer(SQLModel, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # The service team's own id for the customer (its account in their other systems).
    reference: str | None = Field(default=None, max_length=80, unique=True)
    legal_name: str = Field(max_length=200)
    legal_street: str = Field(max_length=200)
    legal_city: str = Field(max_length=200)
    legal_postal_code: str = Field(max_length=40)
    legal_country: str = Field(max_length=2)
    payment_name: str = Field(max_length=200)
    payment_street: str = Field(max_length=200)
    payment_city: str = Field(max_length=200)
    payment_postal_code: str = Field(max_length=40)
    payment_country: str = Field(max_length=2)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    # A retired customer: its contacts archived and erased, its legal record and audit kept.
    archived_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    archive_reason: str | None = Field(default=None, max_length=ARCHIVE_REASON_MAX)

    def profile(self) -> "CustomerProfile":
        return CustomerProfile(
            legal=NamedAddress(
                name=self.legal_name,
                address=Address(
                    street=self.legal_street,
                    city=self.legal_city,
                    postal_code=self.legal_postal_code,
                    country=self.legal_country,
                ),
            ),
            payment=NamedAddress(
                name=self.payment_name,
                address=Address(
                    street=self.payment_street,
                    city=self.payment_city,
                    postal_code=self.payment_postal_code,
                    country=self.payment_country,
                ),
            ),
        )

    def set_profile(self, profile: "CustomerProfile", at: datetime) -> None:
        for column, value in profile_columns(profile).items():
            setattr(self, column, value)
        self.updated_at = at


class CustomerProfile(BaseModel):
    legal: NamedAddress
    payment: NamedAddress


def profile_columns(profile: CustomerProfile) -> dict[str, str]:
    """The profile as the customer's columns (``legal_name``, ``payment_city``...)."""
    columns = {}
    for prefix, named in (("legal", profile.legal), ("payment", profile.payment)):
        columns[f"{prefix}_name"] = named.name
        for part, value in named.address.model_dump().items():
            columns[f"{prefix}_{part}"] = value
    return columns


class CustomerPublic(CustomerProfile):
    id: uuid.UUID
    reference: str | None = None
    purchaser: PurchaserPublic | None
    open_requests: list[RequestSummary]
    # Once archived: when, and the team admin's reason.
    archived_at: datetime | None = None
    archive_reason: str | None = None


class CustomerArchive(BaseModel):
    """Archiving a customer: why, in the team admin's words (kept on the customer, never in
    the audit trail)."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=ARCHIVE_REASON_MAX),
        AfterValidator(plain_text),
    ]


class CustomerListItem(BaseModel):
    """A customer in the service team's directory."""

    id: uuid.UUID
    reference: str | None = None
    legal_name: str
    city: str
    country: str
    purchaser_name: str | None
    open_requests: int
    contacts: int
    archived_at: datetime | None = None
