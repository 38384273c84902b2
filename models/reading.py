"""A form its schema refused, read as far as its kind's rules can still check it: what every
kind's reading shares. What the rules look at is kept where the schema accepts it and left
out where it does not; each item of a list keeps its place, so that every problem names the
right position. Pure: no I/O.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from models.contact_fields import Approver
from models.enums import Role
from models.problems import Loc, Problem

_role = TypeAdapter(Role)


@dataclass(frozen=True)
class Reading:
    """How a kind's form is read past its schema: ``read`` takes the parsed JSON and gives
    what of it the rules can check, or None; problems about the whole of its list stand at
    ``whole``; ``tags`` are the tags of its list's items, when the list is a tagged union."""

    read: Callable[[Any], BaseModel | None]
    whole: Loc
    tags: frozenset[str] = frozenset()

    def beside_schema(
        self, schema_locs: Iterable[Loc], problems: Sequence[Problem]
    ) -> list[Problem]:
        """The rules' ``problems`` that the schema's errors (at ``schema_locs``) do not
        already cover: one at, inside or around a field the schema refused says nothing
        more, except one about the whole list (a required role left unheld by the batch,
        say), which stands unless the schema refused the list itself."""
        refused = [_untagged(loc, self.whole, self.tags) for loc in schema_locs]
        return [
            problem
            for problem in problems
            if not any(_covered(problem.loc, loc, problem.loc == self.whole) for loc in refused)
        ]


def readable_roles(raw: dict[str, Any]) -> list[Role]:
    roles = raw.get("roles")
    if not isinstance(roles, list):
        return []
    readable: list[Role] = []
    for role in roles:
        try:
            readable.append(_role.validate_python(role))
        except ValidationError:
            continue
    return list(dict.fromkeys(readable))


def readable_approver(raw: Any) -> Approver | None:
    if raw is None:
        return None
    try:
        return Approver.model_validate(raw)
    except ValidationError:
        # Named, if malformed: the rules about whether one must be named still hold.
        given = raw if isinstance(raw, dict) else {}
        return Approver.model_construct(
            name=str(given.get("name", "")), email=str(given.get("email", ""))
        )


def _untagged(loc: Loc, whole: Loc, tags: frozenset[str]) -> Loc:
    """The schema's loc of an item of a tagged union names its tag (``changes, 0, "add",
    "roles"``); the rules' do not."""
    if len(loc) > 3 and loc[:2] == whole and isinstance(loc[2], int) and loc[3] in tags:
        return (*loc[:3], *loc[4:])
    return loc


def _covered(loc: Loc, refused: Loc, whole: bool) -> bool:
    """Whether a rule's problem at ``loc`` says nothing more than the schema's at ``refused``:
    it is at or inside it, or (unless about the whole list) around it."""
    if loc[: len(refused)] == refused:
        return True
    return not whole and refused[: len(loc)] == loc


T = TypeVar("T")


M = TypeVar("M", bound=BaseModel)


def listed(body: dict[str, Any], name: str, most: int) -> list[Any]:
    """The list ``body`` gives as ``name``; none if it gives no list the schema could take
    (the schema's problem with the list then covers the rules' about all of it)."""
    listed = body.get(name, [])
    return listed if isinstance(listed, list) and len(listed) <= most else []


def readable_item(raw: Any, model: type[M], name: str, adapter: TypeAdapter[Any]) -> M:
    """A contact or an assignment: its field ``name`` (an email, a contact id) and its
    roles, as the schema reads them or left out."""
    given = raw if isinstance(raw, dict) else {}
    read: dict[str, Any] = {name: valid(adapter, given.get(name)), "roles": readable_roles(given)}
    return model.model_construct(**read)


def valid(adapter: TypeAdapter[T], raw: Any) -> T | None:
    try:
        return adapter.validate_python(raw)
    except ValidationError:
        return None
