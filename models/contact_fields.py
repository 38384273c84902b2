"""The fields a contact is made of, as every form that names a person checks them."""

from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
)

from models.common import Line
from models.enums import Role

Phone = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, max_length=40, pattern=r"^\+?[0-9(][0-9 ()./-]{2,38}$"
    ),
]


def _plain_address(value: object) -> object:
    if isinstance(value, str) and ("<" in value or ">" in value):
        raise ValueError("give the address alone, without a display name")
    return value


# Emails are usernames: compared and stored in lower case, so uniqueness holds in the database.
Email = Annotated[EmailStr, BeforeValidator(_plain_address), AfterValidator(str.lower)]


def _distinct(roles: list[Role]) -> list[Role]:
    return list(dict.fromkeys(roles))


Roles = Annotated[list[Role], Field(min_length=1, max_length=len(Role)), AfterValidator(_distinct)]
DETAIL_FIELDS = ("salutation", "first_name", "last_name", "email", "phone", "job_title")


class Approver(BaseModel):
    """A person with authority to sign off; not necessarily a user of Signoff."""

    model_config = ConfigDict(extra="forbid")

    name: Line
    email: Email


def person_name(*parts: object) -> str:
    """A person's name as every page and email writes it: the parts given (salutation, first
    and last name), those present, in order; empty if none is."""
    return " ".join(str(part) for part in parts if part)
