"""Results hub services hand back to CLI, API and portal alike."""

from __future__ import annotations

from dataclasses import dataclass, field

from orderhub.domain import Outcome

__all__ = ["ImportReport", "RowError"]


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


@dataclass
class ImportReport:
    """What a CSV import did: a bad row is reported with its line number; the others still land."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    def count(self, outcome: Outcome) -> None:
        """One more row that was `outcome` (created, updated or unchanged)."""
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)

    @property
    def ok(self) -> bool:
        return not self.errors
