"""A store's API budget as the dashboard says it: its plan's limit, as the store reports it, and
how close the hub came to it.

A store reports the use and the limit of its call window in its answers (kept by
`orderhub.monitor.budget_reports`); its connector says how that limit reads — the window,
the plan of each limit, the limit that means none (`Connector.call_plans`). The busiest
window of the last hour against that limit says whether the store's plan is what holds the
hub back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from orderhub.connectors.base import CallPlans
from orderhub.monitor.budget_reports import BudgetReport, hour_of

__all__ = ["BudgetView", "budget_view"]

NEAR = 0.8
"""A busiest window at 80 % of the limit or more: the plan is what paces the hub."""


@dataclass(frozen=True)
class BudgetView:
    limit: int
    plan: str | None
    unlimited: bool
    window_seconds: int | None
    """The store's call window (None: its connector does not say)."""
    last_used: int
    reported_at: datetime
    hour_from: datetime
    """The start of the hour before this one (UTC): the busiest window is kept per clock
    hour, so "the last hour" is this hour and the one before, from here."""
    busiest_hour: int | None
    """The busiest window's calls since `hour_from` (None: no answer since)."""
    busiest_day: int | None

    @property
    def near_limit(self) -> bool:
        return (
            not self.unlimited
            and self.busiest_hour is not None
            and self.busiest_hour >= NEAR * self.limit
        )

    def share(self, used: int | None) -> int:
        """`used` as a whole percentage of the limit."""
        return 0 if used is None or self.limit <= 0 else round(100 * used / self.limit)


def budget_view(
    report: BudgetReport | None, now: datetime, plans: CallPlans | None
) -> BudgetView | None:
    """The dashboard's view of a store's `report`, read by its connector's `plans`."""
    if report is None:
        return None
    return BudgetView(
        limit=report.limit,
        plan=plans.plan_of(report.limit) if plans else None,
        unlimited=plans.unlimited(report.limit) if plans else False,
        window_seconds=plans.window_seconds if plans else None,
        last_used=report.used,
        reported_at=report.at,
        hour_from=hour_of(now - timedelta(hours=1)),
        busiest_hour=report.busiest_since(hour_of(now - timedelta(hours=1))),
        busiest_day=report.busiest_since(hour_of(now - timedelta(hours=23))),
    )
