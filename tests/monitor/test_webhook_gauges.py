"""Webhook lag and "webhooks look broken": in the metrics, and as an alert incident."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from orderhub.alert_settings import AlertSettings
from orderhub.alerts.monitor import AlertMonitor
from orderhub.clock import FakeClock
from orderhub.domain import FlowName
from orderhub.monitor.app import enable_metrics
from orderhub.services.integrations import enable_flow
from orderhub.store.webhook_health import BROKEN_AFTER, record_poll
from orderhub.store.webhook_inbox import Delivery, record_delivery
from support.webhook_world import LONG_AGO, webhook_world

ORDERS = FlowName.ORDERS_PULL
T0 = LONG_AGO + timedelta(days=365 * 26)


def gauges(text: str, name: str) -> dict[str, float]:
    return {
        sample.labels["flow"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    }


def test_webhook_lag_and_broken_webhooks(tmp_path: Path, sqlite_template: Path) -> None:
    clock = FakeClock(T0)
    with webhook_world(tmp_path, sqlite_template, clock=clock) as world:
        metrics = enable_metrics(world.hub)
        enable_flow(world.hub, world.integration_id, ORDERS, since=LONG_AGO)
        monitor = AlertMonitor(
            world.hub.db, AlertSettings(), clock=clock, channels=[], settle=timedelta(0)
        )
        with world.hub.db.session() as session:
            record_delivery(
                session,
                world.integration_id,
                Delivery(event_type="NewOrder", flow=ORDERS, ext_id="7", body_bytes=90),
                now=clock.now(),
            )
        clock.advance(125)
        text = metrics.render().decode()
        assert gauges(text, "orderhub_webhook_lag_seconds") == {"orders.pull": 125}
        assert gauges(text, "orderhub_webhooks_broken") == {"orders.pull": 0}
        # Polls keep finding changes no webhook announced.
        for _ in range(BROKEN_AFTER):
            with world.hub.db.session() as session:
                record_poll(
                    session, world.integration_id, ORDERS, changed=2, unannounced=2, now=clock.now()
                )
        assert gauges(metrics.render().decode(), "orderhub_webhooks_broken") == {"orders.pull": 1}
        assert monitor.look().opened == [f"webhooksBroken:{world.integration_id}:orders.pull"]
        with world.hub.db.session() as session:
            record_poll(
                session, world.integration_id, ORDERS, changed=1, unannounced=0, now=clock.now()
            )
        assert monitor.look().cleared == [f"webhooksBroken:{world.integration_id}:orders.pull"]
