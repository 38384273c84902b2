"""A page of a long list: some of its items from an offset, and how many there are in all."""

import math
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """``items``: up to ``limit`` of the list's ``total`` items, from ``offset``."""

    items: list[T]
    total: int
    limit: int
    offset: int

    @property
    def number(self) -> int:
        """Which page this is, counted from 1 (pages being ``limit`` long)."""
        return self.offset // self.limit + 1

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.limit))

    @property
    def first(self) -> int:
        """The position of its first item in the whole list, counted from 1."""
        return self.offset + 1

    @property
    def last(self) -> int:
        return self.offset + len(self.items)

    @property
    def has_previous(self) -> bool:
        return self.offset > 0

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.items) < self.total
