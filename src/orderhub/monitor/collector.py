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

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from orderhub.clock import Clock
from orderhub.store.database import Database
from orderhub.store.monitor_reads import FlowLag, read_flow_lags, read_open_exceptions

__all__ = ["FlowLag", "HubStateCollector", "read_flow_lags", "read_open_exceptions"]


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
