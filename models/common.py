"""Value objects shared by several API schemas."""

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints
from pydantic_extra_types.country import CountryAlpha2


def _single_line(value: str) -> str:
    if any(ch in value for ch in "\r\n\x00"):
        raise ValueError("must be a single line of text")
    return value


Line = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_single_line),
]
ShortLine = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=40),
    AfterValidator(_single_line),
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid")

    street: Line
    city: Line
    postal_code: ShortLine
    country: CountryAlpha2


class NamedAddress(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Line
    address: Address
