"""A store's API budget as the dashboard says it: its plan's limit, as the store reports it, and
how close the hub came to it.

Cart.com allows each app a number of calls per 10-second window by plan (Steel 5, Bronze 10,
Silver 20, Gold and above 50) and reports the use and the limit in every answer
(`X-AC-Call-Limit`, kept by `orderhub.monitor.budget_reports`). The busiest window of the last
hour against that limit says whether the store's plan is what holds the hub back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from orderhub.monitor.budget_reports import BudgetReport, hour_of

__all__ = ["WINDOW_SECONDS", "BudgetView", "budget_view", "plan_of"]

WINDOW_SECONDS = 10
PLANS = {5: "Steel", 10: "Bronze", 20: "Silver", 50: "Gold or above"}
NO_LIMIT_FROM = 10_000
"""Cart.com reports 10000 for a store it does not limit: no plan to measure against."""
NEAR = 0.8
"""A busiest window at 80 % of the limit or more: the plan is what paces the hub."""


def plan_of(limit: int) -> str | None:
    """Cart.com's plan of that limit, or None for a limit no plan has."""
    return PLANS.get(limit)


@dataclass(frozen=True)
class BudgetView:
    limit: int
    plan: str | None
    unlimited: bool
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


def budget_view(report: BudgetReport | None, now: datetime) -> BudgetView | None:
    if report is None:
        return None
    return BudgetView(
        limit=report.limit,
        plan=plan_of(report.limit),
        unlimited=report.limit >= NO_LIMIT_FROM,
        last_used=report.used,
        reported_at=report.at,
        hour_from=hour_of(now - timedelta(hours=1)),
        busiest_hour=report.busiest_since(hour_of(now - timedelta(hours=1))),
        busiest_day=report.busiest_since(hour_of(now - timedelta(hours=23))),
    )
