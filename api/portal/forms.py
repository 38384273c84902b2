"""Forms posted to the portal: read into the API's own schemas, and every problem (the
schema's and the rules') put beside the field it is about, in words a person reads."""

import secrets
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pycountry
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from starlette.datastructures import FormData

from models.enums import RequestKind, Role
from models.problems import Loc, Problem

# Every form that makes something carries a key of its own, made with its page: the same
# form sent twice (a double click, a reload, a retry) makes one thing.
FORM_KEY = "form_key"
FORM_KEY_LENGTHS = range(16, 65)
M = TypeVar("M", bound=BaseModel)


def new_form_key() -> str:
    return secrets.token_urlsafe(24)


def posted_form_key(posted: FormData) -> str | None:
    """The form's key, if it carries a well-formed one."""
    key = posted.get(FORM_KEY)
    return key if isinstance(key, str) and len(key) in FORM_KEY_LENGTHS else None


# Field names in a form are the schema's locations joined by dots: ``legal.address.city``;
# the rules' problems may start theirs with "body", as in the API's answer.
_BODY = "body"
# Where a problem goes: the form fields it is shown beside (none: above the form), from its
# location and, for one about a whole list, the role it is about.
Placement = Callable[[Loc, Role | None], Sequence[str]]


@dataclass
class FormErrors:
    """Every problem of a form, the schema's and the rules', in words a person reads, beside
    the field it is about: messages by field name, and those about no one field.

    ``labels`` name the fields (in the messages and the summary above the form); ``known``
    are the form's field names, a problem going beside the nearest one its location names
    unless the form places it itself (``where``); ``names`` rename the schema's fields that
    the form calls otherwise; ``empty`` says what an empty field needs, where "Enter the
    <label>." would not do. ``refused``: where the schema refused the form, as the API's 422
    says it (under "body")."""

    fields: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    general: list[str] = field(default_factory=list)
    labels: Mapping[str, str] = field(default_factory=dict)
    known: frozenset[str] = frozenset()
    where: Placement | None = None
    names: Mapping[str, str] = field(default_factory=dict)
    empty: Mapping[str, str] = field(default_factory=dict)
    refused: list[Loc] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.general) or any(self.fields.values())

    def parse(self, schema: type[M], data: dict[str, Any]) -> M | None:
        """The form as ``schema``, or None with every problem the schema finds put here."""
        try:
            return schema.model_validate(data)
        except ValidationError as error:
            self.refuse(error.errors())
            return None

    def refuse(self, problems: Sequence[ErrorDetails]) -> None:
        """The schema's problems (a ``ValidationError``'s, or a ``RequestValidationError``'s
        as the API answers them), each beside its field."""
        for problem in problems:
            placed = self._placed(problem["loc"], None)
            self._put(placed, self._in_words(problem, placed[0] if placed else None))
            loc = tuple(problem["loc"])
            self.refused.append(loc if loc[:1] == (_BODY,) else (_BODY, *loc))

    def add_problems(self, problems: Iterable[Problem]) -> None:
        """The rules' problems (as the API says them), each beside its field."""
        for problem in problems:
            self._put(self._placed(problem.loc, problem.role), sentence(problem.msg))

    def add(self, name: str, message: str) -> None:
        """A problem the page itself finds with the field ``name``."""
        self._put([name], message)

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

    def _put(self, names: Sequence[str], message: str) -> None:
        if not names and message not in self.general:
            self.general.append(message)
        for name in names:
            if message not in self.fields[name]:
                self.fields[name].append(message)

    def _placed(self, loc: Loc, role: Role | None) -> Sequence[str]:
        if self.where is not None:
            return self.where(loc, role)
        return nearest(loc, self.known | set(self.labels), self.names)

    def _in_words(self, problem: ErrorDetails, name: str | None) -> str:
        """The schema's problem as a person is told it about the field ``name``."""
        kind, context = problem["type"], problem.get("ctx") or {}
        given = problem.get("input")
        blank = given is None or (isinstance(given, str) and not given.strip())
        last = str(problem["loc"][-1]) if problem["loc"] else ""
        named = name.rsplit(".", 1)[-1] if name else last
        label = self.labels.get(name or "") or named.replace("_", " ") or "this field"
        what = label[:1].lower() + label[1:]
        if last == "roles" and kind == "too_short":
            return "Choose at least one role."
        if blank and name is not None and name in self.empty:
            return sentence(self.empty[name])
        if kind in ("enum", "literal_error") or "country" in f"{kind} {problem['msg'].lower()}":
            return f"Choose the {what}." if blank else f"Choose the {what} from the list."
        if (
            blank
            or kind == "missing"
            or (kind == "string_too_short" and context.get("min_length", 1) <= 1)
        ):
            return f"Enter the {what}."
        if kind == "string_too_long":
            return f"Make the {what} at most {context['max_length']} characters long."
        if last == "email":
            return "Enter a valid email address, such as name@example.com."
        if last == "phone":
            return "Enter a phone number of digits, spaces and + ( ) . / -."
        return sentence(problem["msg"].removeprefix("Value error, "))


def nearest(loc: Loc, known: Collection[str], names: Mapping[str, str] | None = None) -> list[str]:
    """The field of ``known`` that ``loc`` names, or its nearest enclosing one; none if
    none. The API's locations start with "body" (a schema's own field may be called so);
    ``names`` rename the schema's fields that the form calls otherwise."""
    parts = [str(part) for part in loc]
    if len(parts) > 1 and parts[0] == _BODY:
        parts.pop(0)
    parts = [(names or {}).get(part, part) for part in parts]
    while parts:
        name = ".".join(parts)
        if name in known:
            return [name]
        parts.pop()
    return []


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
