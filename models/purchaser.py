"""A purchaser organisation that takes over financial and/or contractual matters."""

import uuid
from datetime import datetime

from sqlmodel import Column, Field, SQLModel

from models.common import Address, NamedAddress
from models.enums import Responsibility
from models.types import UTCDateTime, enum_type, utcnow


class Purchaser(SQLModel, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # One purchaser per customer at a time.
    customer_id: uuid.UUID = Field(foreign_key="customer.id", unique=True)
    name: str = Field(max_length=200)
    street: str = Field(max_length=200)
    city: str = Field(max_length=200)
    postal_code: str = Field(max_length=40)
    country: str = Field(max_length=2)
    responsibility: Responsibility = Field(
        sa_column=Column(enum_type(Responsibility), nullable=False)
    )
    request_id: uuid.UUID | None = Field(default=None, foreign_key="change_request.id")
    assigned_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))

    def named_address(self) -> NamedAddress:
        return NamedAddress(
            name=self.name,
            address=Address(
                street=self.street,
                city=self.city,
                postal_code=self.postal_code,
                country=self.country,
            ),
        )


class PurchaserPublic(NamedAddress):
    id: uuid.UUID
    responsibility: Responsibility
    assigned_at: datetime
