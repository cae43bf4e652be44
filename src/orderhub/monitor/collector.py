"""Gauges that describe the hub, read from the database when Prometheus scrapes.

Open exceptions, sync lag and webhook lag are facts of the shared database, not of one
process: kept in memory they would differ between processes and be lost on restart. So they
are computed per scrape, in two queries:

1. open exceptions grouped by integration and flow (the `(status, id)` index);
2. every enabled flow of an integration that is not switched off, with the finish of its last
   successful run (a correlated subquery that walks the `(integration_id, flow, id)` index
   backwards and stops at the first success: one step for a healthy flow) and its webhook
   row (`webhook_flows`, one per pull flow).

Sync lag is now - the last successful run's finish (a flow that never succeeded counts from
when it was switched on). A push flow with nothing in its feed starts no run, so its lag grows
while it is idle: the figure means "behind" for pull flows only. Webhook lag is now - the last
delivery, for flows whose events are subscribed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import and_, func, select

from orderhub.clock import Clock
from orderhub.domain import ExceptionStatus, IntegrationStatus, RunStatus
from orderhub.store.database import Database
from orderhub.store.dialect import utc
from orderhub.store.tables import (
    ExceptionRow,
    FlowRow,
    IntegrationRow,
    RunRow,
    WebhookFlowRow,
)

__all__ = ["FlowLag", "HubStateCollector", "read_flow_lags", "read_open_exceptions"]


class FlowLag:
    """One enabled flow's lags at one moment (seconds; None: not known)."""

    __slots__ = ("flow", "integration", "sync_lag", "webhook_lag", "webhooks_broken")

    def __init__(
        self,
        integration: str,
        flow: str,
        sync_lag: float | None,
        webhook_lag: float | None,
        webhooks_broken: bool | None,
    ) -> None:
        self.integration = integration
        self.flow = flow
        self.sync_lag = sync_lag
        self.webhook_lag = webhook_lag
        self.webhooks_broken = webhooks_broken


def read_open_exceptions(db: Database) -> dict[tuple[str, str], int]:
    """Open exceptions per (integration, flow): one grouped query."""
    with db.read_session() as session:
        rows = session.execute(
            select(ExceptionRow.integration_id, ExceptionRow.flow, func.count())
            .where(ExceptionRow.status == ExceptionStatus.OPEN.value)
            .group_by(ExceptionRow.integration_id, ExceptionRow.flow)
        ).all()
    return {(str(i), str(f)): int(n) for i, f, n in rows}


def read_flow_lags(db: Database, now: datetime) -> list[FlowLag]:
    """Sync and webhook lag of every enabled flow of every integration not switched off."""
    last_ok = (
        select(RunRow.finished_at)
        .where(
            RunRow.integration_id == FlowRow.integration_id,
            RunRow.flow == FlowRow.flow,
            RunRow.status == RunStatus.SUCCEEDED.value,
        )
        .order_by(RunRow.id.desc())
        .limit(1)
        .correlate(FlowRow)
        .scalar_subquery()
    )
    query = (
        select(
            FlowRow.integration_id,
            FlowRow.flow,
            FlowRow.enabled_at,
            last_ok.label("last_ok"),
            WebhookFlowRow.expected,
            WebhookFlowRow.last_delivery_at,
            WebhookFlowRow.broken_since,
        )
        .join(IntegrationRow, IntegrationRow.integration_id == FlowRow.integration_id)
        .outerjoin(
            WebhookFlowRow,
            and_(
                WebhookFlowRow.integration_id == FlowRow.integration_id,
                WebhookFlowRow.flow == FlowRow.flow,
            ),
        )
        .where(
            FlowRow.enabled.is_(True),
            IntegrationRow.status != IntegrationStatus.DISABLED.value,
        )
        .order_by(FlowRow.integration_id, FlowRow.flow)
    )
    now = utc(now)
    with db.read_session() as session:
        rows = session.execute(query).all()
    lags: list[FlowLag] = []
    for integration, flow, enabled_at, ok_at, expected, delivered_at, broken_since in rows:
        since = ok_at if ok_at is not None else enabled_at
        expected = bool(expected)
        lags.append(
            FlowLag(
                integration=str(integration),
                flow=str(flow),
                sync_lag=_seconds(now, since),
                webhook_lag=_seconds(now, delivered_at) if expected else None,
                webhooks_broken=(broken_since is not None) if expected else None,
            )
        )
    return lags


def _seconds(now: datetime, then: datetime | None) -> float | None:
    return None if then is None else max(0.0, (now - utc(then)).total_seconds())


class HubStateCollector(Collector):
    """A custom collector: database-derived gauges, computed at each scrape."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def describe(self) -> Iterable[GaugeMetricFamily]:
        # Described without a query: registering the collector must not touch the database.
        return list(self._families())

    def collect(self) -> Iterator[GaugeMetricFamily]:
        exceptions, lag, hook_lag, broken = self._families()
        for (integration, flow), count in sorted(read_open_exceptions(self._db).items()):
            exceptions.add_metric([integration, flow], count)
        for item in read_flow_lags(self._db, self._clock.now()):
            labels = [item.integration, item.flow]
            if item.sync_lag is not None:
                lag.add_metric(labels, item.sync_lag)
            if item.webhook_lag is not None:
                hook_lag.add_metric(labels, item.webhook_lag)
            if item.webhooks_broken is not None:
                broken.add_metric(labels, 1.0 if item.webhooks_broken else 0.0)
        yield from (exceptions, lag, hook_lag, broken)

    @staticmethod
    def _families() -> tuple[
        GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily
    ]:
        labels = ["integration", "flow"]
        return (
            GaugeMetricFamily(
                "orderhub_open_exceptions", "Open per-record exceptions.", labels=labels
            ),
            GaugeMetricFamily(
                "orderhub_sync_lag_seconds",
                "Seconds since the flow's last successful run finished (since it was switched "
                "on, if none has).",
                labels=labels,
            ),
            GaugeMetricFamily(
                "orderhub_webhook_lag_seconds",
                "Seconds since the last webhook delivery for a flow whose events are subscribed.",
                labels=labels,
            ),
            GaugeMetricFamily(
                "orderhub_webhooks_broken",
                "1 when polls keep finding changes no webhook announced (webhooks look broken).",
                labels=labels,
            ),
        )
