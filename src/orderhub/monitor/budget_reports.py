"""The call budget each store reported (its connector reads it from the answers), kept for the
dashboard.

A store tells, in every answer, how many calls of its current window are used and how many
its plan allows. The Prometheus gauges keep the last figure per process; the dashboard needs
it from any process (a front end beside the workers that make the calls), so the figures are
also written to the database: per store, the last report and, for each of the last 24 hours,
the busiest window seen — "48 of 50 calls at the busiest" says how close the hub came to
its plan's limit, which the last report alone does not.

Reports are gathered in memory as calls answer and written when a run finishes (never from
inside a call: a flow may be between statements of its own), one small transaction a run.
They live in the `call_budgets` table beside the shared call windows, under their own key
(`reported <store>`), so no migration was needed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from orderhub.clock import Clock
from orderhub.store import call_budgets
from orderhub.store.database import Database

__all__ = ["BudgetReport", "ReportedBudgets", "hour_of", "read_report", "report_key"]

KEPT_HOURS = 24


def hour_of(at: datetime) -> datetime:
    """The UTC hour `at` falls in, on the hour."""
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def report_key(store: str) -> str:
    """The `call_budgets` key of a store's reports (the store as `store_key` names it)."""
    return f"reported {store}"


@dataclass
class BudgetReport:
    """What a store reported: the last answer, and the busiest window of each recent hour."""

    used: int
    limit: int
    at: datetime
    busiest: dict[datetime, int] = field(default_factory=dict)
    """Hour (UTC, on the hour) -> the highest `used` any answer reported in it."""

    def busiest_since(self, hour_from: datetime) -> int | None:
        """The busiest window reported in the hours that start at `hour_from` or later."""
        seen = [used for hour, used in self.busiest.items() if hour >= hour_from]
        return max(seen) if seen else None

    def merged(self, newer: BudgetReport) -> BudgetReport:
        """This report with a newer one's figures: its last answer, the busier of each hour."""
        busiest = dict(self.busiest)
        for hour, used in newer.busiest.items():
            busiest[hour] = max(used, busiest.get(hour, 0))
        keep_from = newer.at - timedelta(hours=KEPT_HOURS)
        busiest = {hour: used for hour, used in busiest.items() if hour >= keep_from}
        last = newer if newer.at >= self.at else self
        return BudgetReport(last.used, last.limit, last.at, busiest)

    def to_document(self) -> dict[str, Any]:
        return {
            "used": self.used,
            "limit": self.limit,
            "at": self.at.isoformat(),
            "busiest": {hour.isoformat(): used for hour, used in sorted(self.busiest.items())},
        }

    @classmethod
    def from_document(cls, document: dict[str, Any] | None) -> BudgetReport | None:
        if not document or "limit" not in document:
            return None
        try:
            return cls(
                int(document["used"]),
                int(document["limit"]),
                datetime.fromisoformat(str(document["at"])),
                {
                    datetime.fromisoformat(hour): int(used)
                    for hour, used in dict(document.get("busiest") or {}).items()
                },
            )
        except (KeyError, TypeError, ValueError):
            return None  # a document this version cannot read: as if nothing was reported


def read_report(db: Database, store: str) -> BudgetReport | None:
    """What `store` last reported to any process (None: no answer recorded yet)."""
    with db.read_session() as session:
        return BudgetReport.from_document(call_budgets.get_budget(session, report_key(store)))


class ReportedBudgets:
    """Reports gathered from calls as they answer (any thread), written by `flush`."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._lock = threading.Lock()
        self._pending: dict[str, BudgetReport] = {}

    def observe(self, store: str, used: int, limit: int) -> None:
        now = self._clock.now()
        report = BudgetReport(used, limit, now, {hour_of(now): used})
        with self._lock:
            earlier = self._pending.get(store)
            self._pending[store] = earlier.merged(report) if earlier else report

    def flush(self) -> None:
        """Write what was gathered since the last flush, merged into what is stored."""
        with self._lock:
            pending, self._pending = self._pending, {}
        if not pending:
            return
        with self._db.session() as session:
            for store, report in sorted(pending.items()):
                key = report_key(store)
                stored, server_now = call_budgets.lock_budget(session, key)
                before = BudgetReport.from_document(stored)
                merged = before.merged(report) if before else report
                call_budgets.save_budget(session, key, merged.to_document(), server_now)
