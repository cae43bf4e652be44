"""What the dashboard shows, from the store's aggregates: series to chart and each store's health.

Pure functions over what `orderhub.store.dashboard` reads, with `now` passed in, so every rule
here is tested without a clock or a database:

- **Series**: orders and revenue per hour or per day (UTC), open exceptions at the end of each
  day. Revenue is charted in the currency most orders use; orders in other currencies are
  counted and named beside the chart rather than added up with it.
- **Health** of an integration, the worst that applies, with its cause in words: *failing*
  (the connection broke, or a switched-on flow's last run failed), *webhooks broken* (polls keep
  finding changes no webhook announced), *lagging* (a switched-on pull flow has not succeeded
  for three of its longest polling intervals), else *healthy*; *off* for a disabled one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from orderhub.domain import (
    FlowName,
    Integration,
    IntegrationStatus,
    IntegrationWebhooks,
    OrderStatus,
)
from orderhub.engine.verify_schedule import PULL_FLOWS
from orderhub.store.dashboard import ExceptionSpan, OrderPoint
from orderhub.store.flows import DEFAULT_MAX_INTERVAL_SECONDS

__all__ = [
    "Bar",
    "FlowLag",
    "Health",
    "HealthState",
    "Revenue",
    "exceptions_per_day",
    "integration_health",
    "orders_per_bucket",
    "revenue_per_bucket",
    "status_counts",
]

LONGEST_POLL = timedelta(seconds=DEFAULT_MAX_INTERVAL_SECONDS)
"""A quiet pull flow polls this seldom (the adaptive interval's default ceiling)."""
LAG_FACTOR = 3


@dataclass(frozen=True)
class Bar:
    start: datetime
    label: str
    value: Decimal


@dataclass(frozen=True)
class Revenue:
    currency: str | None
    bars: list[Bar]
    other_currencies: dict[str, int] = field(default_factory=dict)
    """Orders in the window not in `currency`, per currency: not added into the chart."""


class HealthState(StrEnum):
    HEALTHY = "healthy"
    LAGGING = "lagging"
    WEBHOOKS_BROKEN = "webhooks broken"
    FAILING = "failing"
    OFF = "off"


@dataclass(frozen=True)
class FlowLag:
    flow: FlowName
    enabled: bool
    last_success: datetime | None
    lag: timedelta | None
    """Time since the last successful run (or since switching on); None for a flow that is off."""
    lagging: bool


@dataclass(frozen=True)
class Health:
    state: HealthState
    cause: str
    flows: list[FlowLag]


def buckets(now: datetime, *, days: int, hourly: bool) -> list[datetime]:
    """The starts of the window's buckets (UTC hours or days), oldest first, the current last."""
    now = now.astimezone(UTC)
    if hourly:
        last = now.replace(minute=0, second=0, microsecond=0)
        return [last - timedelta(hours=h) for h in range(days * 24 - 1, -1, -1)]
    last = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return [last - timedelta(days=d) for d in range(days - 1, -1, -1)]


def orders_per_bucket(
    points: Iterable[OrderPoint], now: datetime, *, days: int, hourly: bool = False
) -> list[Bar]:
    starts = buckets(now, days=days, hourly=hourly)
    counts = Counter(_bucket(point.placed_at, hourly) for point in points)
    return [Bar(start, _label(start, hourly), Decimal(counts.get(start, 0))) for start in starts]


def revenue_per_bucket(
    points: Sequence[OrderPoint], now: datetime, *, days: int, hourly: bool = False
) -> Revenue:
    starts = buckets(now, days=days, hourly=hourly)
    first = starts[0]
    inside = [p for p in points if p.placed_at >= first and p.status != OrderStatus.CANCELED]
    currencies = Counter(p.currency for p in inside)
    currency = currencies.most_common(1)[0][0] if currencies else None
    sums: dict[datetime, Decimal] = {}
    for point in inside:
        if point.currency == currency and point.total is not None:
            key = _bucket(point.placed_at, hourly)
            sums[key] = sums.get(key, Decimal(0)) + point.total
    others = {str(c): n for c, n in currencies.items() if c != currency}
    return Revenue(
        currency,
        [Bar(start, _label(start, hourly), sums.get(start, Decimal(0))) for start in starts],
        others,
    )


def status_counts(points: Iterable[OrderPoint]) -> list[tuple[str, int]]:
    """Orders per status, in words, most frequent first."""
    known = {status.value: status for status in OrderStatus}
    counts = Counter(
        known[p.status].words if p.status in known else (p.status or "Unknown") for p in points
    )
    return counts.most_common()


def exceptions_per_day(spans: Iterable[ExceptionSpan], now: datetime, *, days: int) -> list[Bar]:
    """How many exceptions were open at the end of each day (at `now` for today)."""
    starts = buckets(now, days=days, hourly=False)
    ends = [min(start + timedelta(days=1), now) for start in starts]
    spans = list(spans)
    return [
        Bar(
            start,
            _label(start, hourly=False),
            Decimal(
                sum(
                    1
                    for span in spans
                    if span.opened_at <= end
                    and (span.resolved_at is None or span.resolved_at > end)
                )
            ),
        )
        for start, end in zip(starts, ends, strict=True)
    ]


def integration_health(
    integration: Integration,
    last_success: Mapping[tuple[str, FlowName], datetime],
    webhooks: IntegrationWebhooks | None,
    now: datetime,
) -> Health:
    flows = [_lag(integration, setting.flow, last_success, now) for setting in integration.flows]
    if integration.status is IntegrationStatus.DISABLED:
        return Health(HealthState.OFF, "Disabled: no flow runs.", flows)
    if integration.status is IntegrationStatus.ERROR:
        cause = integration.status_message or "The last connection test failed."
        return Health(HealthState.FAILING, f"Connection: {cause}", flows)
    failing = [s for s in integration.flows if s.enabled and s.last_error]
    if failing:
        first = failing[0]
        more = f" (and {len(failing) - 1} more flows)" if len(failing) > 1 else ""
        return Health(HealthState.FAILING, f"{first.flow.label}: {first.last_error}{more}", flows)
    broken = [f for f in (webhooks.flows if webhooks else []) if f.looks_broken]
    if broken:
        names = ", ".join(f.flow.label for f in broken)
        return Health(
            HealthState.WEBHOOKS_BROKEN,
            f"Polls keep finding changes that no webhook announced ({names}); "
            "the safety poll still brings them in.",
            flows,
        )
    lagging = [lag for lag in flows if lag.lagging]
    if lagging:
        worst = max(lagging, key=lambda lag: lag.lag or timedelta(0))
        return Health(
            HealthState.LAGGING,
            f"{worst.flow.label}: no successful run for {describe_age(worst.lag)}.",
            flows,
        )
    if not any(setting.enabled for setting in integration.flows):
        return Health(HealthState.HEALTHY, "Connected; every flow is off.", flows)
    return Health(HealthState.HEALTHY, "Every flow that is on is keeping up.", flows)


def describe_age(age: timedelta | None) -> str:
    """'40 s', '12 min', '3 h 5 min', '2 days' — how a person says how long ago."""
    if age is None:
        return "—"
    seconds = max(0, int(age.total_seconds()))
    if seconds < 90:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 90:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days"


def _lag(
    integration: Integration,
    flow: FlowName,
    last_success: Mapping[tuple[str, FlowName], datetime],
    now: datetime,
) -> FlowLag:
    setting = next(s for s in integration.flows if s.flow is flow)
    succeeded = last_success.get((integration.integration_id, flow))
    if not setting.enabled:
        return FlowLag(flow, False, succeeded, None, False)
    since = succeeded or setting.enabled_at
    lag = now - since if since is not None else None
    longest = max(
        LONGEST_POLL,
        timedelta(seconds=setting.interval_seconds),
        timedelta(seconds=setting.max_interval_seconds),
    )
    # Push flows run only when the hub has something for them: an old last run is no lag.
    lagging = flow in PULL_FLOWS and lag is not None and lag > LAG_FACTOR * longest
    return FlowLag(flow, True, succeeded, lag, lagging)


def _bucket(at: datetime, hourly: bool) -> datetime:
    at = at.astimezone(UTC)
    if hourly:
        return at.replace(minute=0, second=0, microsecond=0)
    return at.replace(hour=0, minute=0, second=0, microsecond=0)


def _label(start: datetime, hourly: bool) -> str:
    return start.strftime("%a %H:00") if hourly else start.strftime("%b %d").replace(" 0", " ")
