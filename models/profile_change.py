"""Profile change: the API schema and its rules."""

from pydantic import ConfigDict

from models.common import NamedAddress
from models.customer import CustomerProfile
from models.on_behalf import FilingForm
from models.problems import Problem


class ProfileChangeCreate(FilingForm):
    """The requested legal and payment details; payment defaults to the legal ones."""

    model_config = ConfigDict(extra="forbid")

    legal: NamedAddress
    payment: NamedAddress | None = None

    def effective(self) -> CustomerProfile:
        return CustomerProfile(legal=self.legal, payment=self.payment or self.legal)


def profile_change_problems(current: CustomerProfile, change: ProfileChangeCreate) -> list[Problem]:
    if change.effective() == current:
        return [
            Problem(
                loc=("body",),
                msg="the requested details are the same as the current ones: nothing to change",
                type="no_change",
            )
        ]
    return []
