"""A request the service team files for a customer: every kind's form may say why, and
must when the team files it."""

from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from models.common import plain_text
from models.problems import Problem

REASON_MAX = 1000
Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=REASON_MAX),
    AfterValidator(plain_text),
]
FIELD = "on_behalf_reason"


class FilingForm(BaseModel):
    """What every kind's form carries beside its own fields. The reason is kept on the
    request, never in its stored form (``exclude``)."""

    on_behalf_reason: Reason | None = Field(
        default=None,
        exclude=True,
        description="Why the service team files it for the customer: required from the "
        "team, refused from anyone else",
    )


def on_behalf_problems(by_team: bool, reason: object) -> list[Problem]:
    """The team says why it files a request for a customer; a customer's contact files
    for themselves and gives no reason."""
    loc = ("body", FIELD)
    if by_team and not reason:
        return [
            Problem(
                loc,
                "say why the service team files this request for the customer",
                "reason_missing",
            )
        ]
    if not by_team and reason is not None:
        return [
            Problem(
                loc,
                "only the service team files a request for a customer: leave the reason out",
                "reason_not_expected",
            )
        ]
    return []
