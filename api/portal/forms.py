"""Forms posted to the portal: read into the API's own schemas, and every problem (the
schema's and the rules') put beside the field it is about."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from models.problems import Problem

# Field names in a form are the schema's locations joined by dots: ``legal.address.city``;
# the rules' problems may start theirs with "body", as in the API's answer.
_BODY = "body"


@dataclass
class FormErrors:
    """Messages by field name, and those about no one field."""

    fields: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    general: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.general) or any(self.fields.values())

    def add(self, loc: Iterable[str | int], message: str, known: frozenset[str]) -> None:
        """File ``message`` under the field ``loc`` names, else under its nearest named
        enclosing field, else as general."""
        parts = [str(part) for part in loc]
        if parts[:1] == [_BODY]:
            parts.pop(0)
        while parts:
            name = ".".join(parts)
            if name in known:
                self.fields[name].append(message)
                return
            parts.pop()
        self.general.append(message)

    def count(self) -> int:
        return len(self.general) + sum(len(messages) for messages in self.fields.values())


def parse(
    schema: type[BaseModel], data: dict[str, Any], known: frozenset[str]
) -> tuple[BaseModel | None, FormErrors]:
    """The form as ``schema``, or None with every problem the schema finds."""
    errors = FormErrors()
    try:
        return schema.model_validate(data), errors
    except ValidationError as error:
        for problem in error.errors():
            errors.add(problem["loc"], _message(problem["msg"]), known)
        return None, errors


def add_problems(errors: FormErrors, problems: Iterable[Problem], known: frozenset[str]) -> None:
    for problem in problems:
        errors.add(problem.loc, _message(problem.msg), known)


def _message(text: str) -> str:
    text = text.removeprefix("Value error, ")
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def nested(flat: dict[str, str]) -> dict[str, Any]:
    """``{"legal.address.city": "Leeds"}`` as ``{"legal": {"address": {"city": "Leeds"}}}``."""
    tree: dict[str, Any] = {}
    for name, value in flat.items():
        *parents, last = name.split(".")
        node = tree
        for parent in parents:
            node = node.setdefault(parent, {})
        node[last] = value
    return tree
