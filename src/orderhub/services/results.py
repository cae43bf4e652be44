"""Results hub services hand back to CLI, API and portal alike."""

from __future__ import annotations

from dataclasses import dataclass, field

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

    @property
    def ok(self) -> bool:
        return not self.errors
