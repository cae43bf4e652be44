"""What a process did, as Prometheus counters: runs and their outcomes, records by outcome,
calls to each remote store and its 429s, and the call budget each store last reported.

Each process keeps its own counters in its own `CollectorRegistry` (built here, never the
library's global one), so tests see only their own hub's figures and `orderhub serve` and each
`orderhub worker` expose what they did themselves; Prometheus sums across processes. Figures
that describe the hub rather than one process (open exceptions, lags) are not counted here but
read from the database at scrape time (`orderhub.monitor.collector`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from orderhub.domain import Run, RunStatus

if TYPE_CHECKING:
    from orderhub.monitor.budget_reports import ReportedBudgets

__all__ = ["CallSeen", "HubMetrics", "status_class"]

log = logging.getLogger(__name__)

RECORD_OUTCOMES = ("fetched", "created", "updated", "unchanged", "failed")
_DURATION_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0)


class CallSeen(Protocol):
    """One HTTP exchange with a remote store, as a connector's client reports it."""

    @property
    def status(self) -> int | None: ...

    @property
    def call_limit(self) -> tuple[int, int] | None: ...


def status_class(status: int | None) -> str:
    """`2xx`, `4xx`, … or `error` when no answer came: a label of few values."""
    return "error" if status is None else f"{status // 100}xx"


class HubMetrics:
    """This process's counters; `render()` is the body of `GET /metrics`."""

    def __init__(
        self,
        registry: CollectorRegistry | None = None,
        *,
        budgets: ReportedBudgets | None = None,
    ) -> None:
        self.budgets = budgets
        """Where each store's reported budget is kept for the dashboard (None: nowhere)."""
        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        r = self.registry
        self.runs = Counter(
            "orderhub_runs",
            "Flow runs finished by this process, by outcome (succeeded, failed).",
            ["integration", "flow", "outcome"],
            registry=r,
        )
        self.records = Counter(
            "orderhub_run_records",
            "Records handled by this process's runs, by outcome "
            "(fetched, created, updated, unchanged, failed).",
            ["integration", "flow", "outcome"],
            registry=r,
        )
        self.run_seconds = Histogram(
            "orderhub_run_duration_seconds",
            "Wall time of the flow runs this process finished.",
            ["flow"],
            buckets=_DURATION_BUCKETS,
            registry=r,
        )
        self.calls = Counter(
            "orderhub_remote_calls",
            "HTTP requests this process sent to a remote store (retries included), "
            "by answer class (2xx, 4xx, 5xx, error: no answer).",
            ["connector", "store", "status"],
            registry=r,
        )
        self.rate_limited = Counter(
            "orderhub_remote_rate_limited",
            "429 answers a remote store gave this process.",
            ["connector", "store"],
            registry=r,
        )
        self.budget_used = Gauge(
            "orderhub_remote_call_budget_used",
            "Calls used in the store's current window, as its last answer to this process "
            "reported it (each connector reads its own answer headers).",
            ["connector", "store"],
            registry=r,
        )
        self.budget_limit = Gauge(
            "orderhub_remote_call_budget_limit",
            "Calls allowed per window, as the store's last answer to this process reported it.",
            ["connector", "store"],
            registry=r,
        )

    def run_finished(self, run: Run) -> None:
        """Count a finished run and its records (dry runs are not counted: they did nothing)."""
        if run.status is RunStatus.RUNNING:
            return
        labels = (run.integration, run.flow.value)
        self.runs.labels(*labels, run.status.value).inc()
        for outcome in RECORD_OUTCOMES:
            value = getattr(run.counts, outcome)
            if value:
                self.records.labels(*labels, outcome).inc(value)
        if run.finished_at is not None:
            seconds = (run.finished_at - run.started_at).total_seconds()
            self.run_seconds.labels(run.flow.value).observe(max(0.0, seconds))
        if self.budgets is not None:
            from sqlalchemy.exc import SQLAlchemyError

            try:
                self.budgets.flush()
            except SQLAlchemyError as problem:  # a figure for the dashboard: never fail a run
                log.warning("could not keep the stores' reported call budgets: %s", problem)

    def remote_call(self, connector: str, store: str, call: CallSeen) -> None:
        """Count one exchange with `store` and keep the budget it reported."""
        self.calls.labels(connector, store, status_class(call.status)).inc()
        if call.status == 429:
            self.rate_limited.labels(connector, store).inc()
        if call.call_limit is not None:
            used, limit = call.call_limit
            self.budget_used.labels(connector, store).set(used)
            self.budget_limit.labels(connector, store).set(limit)
            if self.budgets is not None:
                self.budgets.observe(store, used, limit)

    def call_observer(self, connector: str, store: str) -> Callable[[CallSeen], None]:
        """A client's `on_call` hook that counts into these metrics."""

        def observe(call: CallSeen) -> None:
            self.remote_call(connector, store, call)

        return observe

    def render(self) -> bytes:
        """The text exposition format of every collector in this registry."""
        return generate_latest(self.registry)
