"""A completeness check of one pull flow: what the store holds against what the hub holds.

`orderhub integrations verify`, the daily schedule, the API and the portal all record one
`Verification` per pull flow they check. It answers in one line (`summary`):

    orders.pull: 0 missing, 0 stale since 2026-12-01 10:00 UTC (1,234 checked)

and, when it found gaps, names the first few in the merchant's words (order numbers, SKUs) and
says how many the re-fetch repaired.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from pydantic import Field, computed_field

from orderhub.domain.base import HubModel, UtcDatetime
from orderhub.domain.integration import FlowName

__all__ = [
    "MAX_GAPS_SHOWN",
    "Verification",
    "VerificationStatus",
    "format_utc_minute",
]

MAX_GAPS_SHOWN = 20
"""Gap descriptions kept per verification; the rest are counted ("and N more")."""
MAX_GAP_TEXT = 300


class VerificationStatus(StrEnum):
    RUNNING = "running"
    COMPLETE = "complete"
    """Nothing missing, nothing stale."""
    REPAIRED = "repaired"
    """Gaps were found and the re-fetch brought every one of them in."""
    GAPS = "gaps"
    """Gaps remain after the re-fetch (or no re-fetch was asked for)."""
    FAILED = "failed"
    """The check itself could not finish (the store refused, the process stopped)."""


class Verification(HubModel):
    verification_id: str
    integration: str
    flow: FlowName
    status: VerificationStatus
    trigger: str = "manual"
    started_at: UtcDatetime
    finished_at: UtcDatetime | None = None
    since: UtcDatetime | None = None
    """Store records updated from here on were checked; None: the flow reads everything."""
    checked_until: UtcDatetime | None = None
    """Records updated after this were left out: a pull may be bringing them right now."""
    checked: int = 0
    missing: int = 0
    stale: int = 0
    refetched: int = 0
    """Gaps the re-fetch repaired."""
    remaining: int = 0
    """Gaps still open after the re-fetch."""
    gaps: list[str] = Field(default_factory=list, max_length=MAX_GAPS_SHOWN)
    api_calls: int = 0
    error: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def more_gaps(self) -> int:
        """Gaps found beyond the ones described in `gaps`."""
        return max(0, self.missing + self.stale - len(self.gaps))

    @property
    def complete(self) -> bool:
        """Nothing is missing or stale any more (now, after any re-fetch)."""
        return self.status in (VerificationStatus.COMPLETE, VerificationStatus.REPAIRED)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def summary(self) -> str:
        """One line: `orders.pull: 0 missing, 0 stale since … (1,234 checked)` and the repair."""
        name = self.flow.value
        if self.status is VerificationStatus.FAILED:
            return f"{name}: verification failed: {self.error or 'unknown error'}"
        if self.since is not None:
            scope, extent = f" since {format_utc_minute(self.since)}", ""
        else:
            scope, extent = "", ", everything the store lists"
        if self.status is VerificationStatus.RUNNING:
            return f"{name}: verifying{scope}…"
        line = (
            f"{name}: {self.missing:,} missing, {self.stale:,} stale{scope} "
            f"({self.checked:,} checked{extent})"
        )
        if self.missing + self.stale == 0:
            return line
        if self.status is VerificationStatus.REPAIRED:
            return f"{line}; re-fetched {self.refetched:,}, now 0 missing"
        if self.refetched:
            return f"{line}; re-fetched {self.refetched:,}, {self.remaining:,} still open"
        return f"{line}; {self.remaining:,} still open"

    def gap_lines(self) -> list[str]:
        """The described gaps, then "and N more" when there were more."""
        lines = list(self.gaps)
        if self.more_gaps:
            lines.append(f"and {self.more_gaps:,} more")
        return lines


def format_utc_minute(value: datetime) -> str:
    """`2026-12-01 10:00 UTC`: what a person reads in a summary line."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
