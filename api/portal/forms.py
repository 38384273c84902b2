"""Forms posted to the portal: read into the API's own schemas, and every problem (the
schema's and the rules') put beside the field it is about, in words a person reads."""

import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pycountry
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from starlette.datastructures import FormData

from models.enums import RequestKind
from models.problems import Loc, Problem

# Every form that makes something carries a key of its own, made with its page: the same
# form sent twice (a double click, a reload, a retry) makes one thing.
FORM_KEY = "form_key"
FORM_KEY_LENGTHS = range(16, 65)


def new_form_key() -> str:
    return secrets.token_urlsafe(24)


def posted_form_key(posted: FormData) -> str | None:
    """The form's key, if it carries a well-formed one."""
    key = posted.get(FORM_KEY)
    return key if isinstance(key, str) and len(key) in FORM_KEY_LENGTHS else None


# Field names in a form are the schema's locations joined by dots: ``legal.address.city``;
# the rules' problems may start theirs with "body", as in the API's answer.
_BODY = "body"


@dataclass
class FormErrors:
    """Messages by field name, and those about no one field; ``labels`` name the fields in
    the summary above the form; ``refused``: where the schema refused the form, as the API's
    422 says it (under "body")."""

    fields: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    general: list[str] = field(default_factory=list)
    labels: Mapping[str, str] = field(default_factory=dict)
    refused: list[Loc] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.general) or any(self.fields.values())

    def extend(self, other: "FormErrors") -> None:
        for name, messages in other.fields.items():
            self.fields[name].extend(messages)
        self.general.extend(other.general)
        self.refused.extend(other.refused)

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

    def summary(self) -> list[tuple[str | None, str]]:
        """Every message once, with the field it belongs to (None for general ones), each
        saying which field it is about."""
        listed: list[tuple[str | None, str]] = [(None, message) for message in self.general]
        for name, messages in self.fields.items():
            label = self.labels.get(name)
            for message in messages:
                said = label is None or label.lower() in message.lower()
                listed.append((name, message if said else f"{label}: {message}"))
        return listed


def parse(
    schema: type[BaseModel],
    data: dict[str, Any],
    known: frozenset[str],
    labels: Mapping[str, str] | None = None,
) -> tuple[BaseModel | None, FormErrors]:
    """The form as ``schema``, or None with every problem the schema finds."""
    errors = FormErrors(labels=labels or {})
    try:
        return schema.model_validate(data), errors
    except ValidationError as error:
        for problem in error.errors():
            name = ".".join(str(part) for part in problem["loc"])
            errors.add(problem["loc"], _friendly(problem, errors.labels.get(name)), known)
            errors.refused.append((_BODY, *problem["loc"]))
        return None, errors


def add_problems(errors: FormErrors, problems: Iterable[Problem], known: frozenset[str]) -> None:
    for problem in problems:
        errors.add(problem.loc, sentence(problem.msg), known)


def _friendly(problem: ErrorDetails, label: str | None) -> str:
    """The schema's problem as a person would be told it about ``label``."""
    kind, context = problem["type"], problem.get("ctx") or {}
    field_name = (label[:1].lower() + label[1:]) if label else "this field"
    if kind == "missing" or (kind == "string_too_short" and context.get("min_length", 1) <= 1):
        return f"Enter the {field_name}."
    if kind == "string_too_long":
        return f"Make the {field_name} at most {context['max_length']} characters long."
    if "country" in kind or "country" in problem["msg"].lower():
        return f"Choose the {field_name} from the list."
    return sentence(problem["msg"].removeprefix("Value error, "))


def sentence(text: str) -> str:
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


# Every country a form offers, by name.
COUNTRIES = sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda c: c[1])

# The kinds of request a list filters by: each value with its name.
KIND_CHOICES = {kind.value: kind.label.capitalize() for kind in RequestKind}
