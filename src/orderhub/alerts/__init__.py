"""Alerts: incidents opened when a flow keeps failing, exceptions pile up, a connection breaks
or webhooks stop, and cleared when the problem is gone — one message each way, by e-mail
and/or a signed webhook.

- `conditions` — which problems hold now (read from the database);
- `monitor` — keeps the incident table in step and delivers what is owed, one process at a time;
- `channels` — SMTP and the signed webhook; `messages` — what they say.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orderhub.alerts.monitor import AlertMonitor, AlertTicker
    from orderhub.hub import Hub

__all__ = ["alert_monitor", "alert_ticker"]


def alert_monitor(hub: Hub) -> AlertMonitor:
    """The hub's monitor, with the channels its settings name."""
    from orderhub.alerts.monitor import AlertMonitor

    return AlertMonitor(
        hub.db,
        hub.settings.alerts,
        clock=hub.clock,
        hub_url=hub.settings.public_url,
        connectors=hub.connectors,
    )


def alert_ticker(hub: Hub) -> AlertTicker | None:
    """The periodic look of `serve`'s scheduler or a worker (None when
    `ORDERHUB_ALERT_EVERY_SECONDS=0`)."""
    from orderhub.alerts.monitor import AlertTicker

    every = hub.settings.alerts.every_seconds
    if every <= 0:
        return None
    return AlertTicker(alert_monitor(hub), every_seconds=every, clock=hub.clock)
