"""What the session's browser tests opened and checked, summed up at its end.

Kept apart from ``people`` so that the suite's conftest, which prints the summary (and adds
up what pytest-xdist's workers saw), need not import the browser's helpers.
"""

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Seen:
    """What the session's browser tests opened and checked."""

    slowest_ms: dict[str, float] = field(default_factory=dict)
    checked: set[str] = field(default_factory=set)
    axe_checks: int = 0
    violations: int = 0

    def timed(self, key: str, ms: float) -> None:
        self.slowest_ms[key] = max(ms, self.slowest_ms.get(key, 0.0))

    def as_json(self) -> dict[str, Any]:
        """What a pytest-xdist worker hands to the controller, which prints the summary."""
        return {
            "slowest_ms": self.slowest_ms,
            "checked": sorted(self.checked),
            "axe_checks": self.axe_checks,
            "violations": self.violations,
        }

    def add(self, other: dict[str, Any]) -> None:
        """Add what another worker saw."""
        for key, ms in other["slowest_ms"].items():
            self.timed(key, ms)
        self.checked.update(other["checked"])
        self.axe_checks += other["axe_checks"]
        self.violations += other["violations"]

    def summary(self) -> str | None:
        if not self.slowest_ms and not self.axe_checks:
            return None
        line = (
            f"browser pages: {len(self.checked)} distinct pages checked, "
            f"{self.axe_checks} axe checks, {self.violations} violations"
        )
        if self.slowest_ms:
            key, ms = max(self.slowest_ms.items(), key=lambda item: item[1])
            line += f", slowest {key} {ms:.0f} ms"
        return line


SEEN = Seen()
