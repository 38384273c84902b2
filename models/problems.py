"""A validation problem, reported to the client as one entry of a 422 ``detail`` list."""

from dataclasses import dataclass
from typing import Any

from models.enums import Role

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    loc: Loc
    msg: str
    type: str = "value_error"
    # The role a problem is about, where it is about one role (a required role left
    # unheld), so that a form can put it beside what took the role away.
    role: Role | None = None

    def detail(self) -> dict[str, Any]:
        """The problem as one entry of a 422's ``detail``: its role too, where it has one."""
        entry: dict[str, Any] = {"loc": list(self.loc), "msg": self.msg, "type": self.type}
        if self.role is not None:
            entry["role"] = self.role.value
        return entry


class ValidationProblems(Exception):
    """Raised when a request breaks domain rules; carries every problem at once."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(problem.msg for problem in problems))
        self.problems = problems
