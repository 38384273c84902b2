"""Value objects shared by several API schemas."""

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints
from pydantic_extra_types.country import CountryAlpha2

# Control characters and the Unicode line and paragraph separators: anything that could
# break a line in an email header or a page.
_NOT_ON_ONE_LINE = frozenset({"Cc", "Zl", "Zp"})


# Bidirectional embeddings, overrides and isolates: they can make a name read as other text
# in an email or a page. Right-to-left names need none of them.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _single_line(value: str) -> str:
    if any(unicodedata.category(ch) in _NOT_ON_ONE_LINE for ch in value):
        raise ValueError("must be a single line of text without control characters")
    return refuse_bidi_controls(value)


def refuse_bidi_controls(value: str) -> str:
    if not _BIDI_CONTROLS.isdisjoint(value):
        raise ValueError("must not contain bidirectional override characters")
    return value


def refuse_nul(value: str) -> str:
    """PostgreSQL cannot store a NUL character in text: refused as invalid, never a 500."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def plain_text(value: str) -> str:
    """Free text people write (a ticket, a comment, a reason): any line breaks, but nothing
    the database cannot store or that makes it read as other text."""
    return refuse_bidi_controls(refuse_nul(value))


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
Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000),
    AfterValidator(plain_text),
]


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid")

    street: Line
    city: Line
    postal_code: ShortLine
    # The limit shows in the API schema; the code is checked against ISO 3166 anyway.
    country: Annotated[CountryAlpha2, StringConstraints(max_length=2)]


class NamedAddress(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Line
    address: Address
