"""A person at the customer or at its purchaser, with the roles they hold."""

import uuid
from collections.abc import Mapping
from datetime import datetime

from pydantic import BaseModel
from sqlmodel import JSON, Column, Field, SQLModel

from models.contact_fields import DETAIL_FIELDS, person_name
from models.enums import Role, Side
from models.types import UTCDateTime, enum_type, utcnow


class Contact(SQLModel, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    customer_id: uuid.UUID = Field(foreign_key="customer.id", index=True)
    side: Side = Field(sa_column=Column(enum_type(Side), nullable=False))
    salutation: str | None = Field(default=None, max_length=40)
    first_name: str | None = Field(default=None, max_length=200)
    last_name: str | None = Field(default=None, max_length=200)
    # NULL once erased; unique among the living so an email names one person.
    email: str | None = Field(default=None, max_length=320, unique=True)
    phone: str | None = Field(default=None, max_length=40)
    job_title: str | None = Field(default=None, max_length=200)
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The details the contact held before each update, so that erasing them finds every
    # email, phone, name and job title they ever had: emptied with them.
    former_details: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    removed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))

    def set_details(self, details: Mapping[str, object]) -> None:
        """Take new details, keeping the values they replace (erasure must find them all)."""
        replaced = {
            name: str(before)
            for name in DETAIL_FIELDS
            if name in details
            and (before := getattr(self, name)) is not None
            and (details[name] is None or str(details[name]) != before)
        }
        if replaced:
            self.former_details = [*self.former_details, replaced]
        for name in DETAIL_FIELDS:
            if name in details:
                value = details[name]
                setattr(self, name, str(value) if value is not None else None)

    @property
    def role_set(self) -> frozenset[Role]:
        return frozenset(Role(role) for role in self.roles)

    @property
    def display_name(self) -> str:
        return person_name(self.first_name, self.last_name)


class ContactPublic(BaseModel):
    id: uuid.UUID
    side: Side
    salutation: str | None
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    job_title: str | None
    roles: list[Role]
