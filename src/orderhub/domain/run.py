"""Flow runs: one row of run history each."""

from __future__ import annotations

from enum import StrEnum

from orderhub.domain.base import HubModel, UtcDatetime
from orderhub.domain.integration import FlowName

__all__ = ["Outcome", "Run", "RunCounts", "RunStatus"]


class Outcome(StrEnum):
    """What writing one record did: the one vocabulary of upserts, pushes, imports and counts
    (`RunCounts` and an import's report have a field of each name)."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class RunCounts(HubModel):
    fetched: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0


class Run(HubModel):
    run_id: str
    integration: str
    flow: FlowName
    status: RunStatus
    trigger: str = "schedule"
    started_at: UtcDatetime
    finished_at: UtcDatetime | None = None
    counts: RunCounts = RunCounts()
    api_calls: int = 0
    rate_limit_wait_seconds: float = 0.0
    error: str | None = None
