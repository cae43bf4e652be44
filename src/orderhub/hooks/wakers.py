"""After a delivery made flows due: tell whoever runs flows, so they need not wait a tick.

- Embedded (`orderhub serve`, `orderhub demo`): `SchedulerWake` wakes the `EmbeddedScheduler`
  of the same process when the flow becomes due (one timer at a time).
- Distributed (`serve --no-scheduler` beside `orderhub worker`s on PostgreSQL): `QueueWake`
  defers the flow's Procrastinate job at once, with the same `lock` and `queueing_lock` as
  the workers' dispatch and the priority of a trigger's job (above timer work), scheduled for
  when the flow becomes due; a job queued already (`AlreadyEnqueued`) covers it, its priority
  raised to a trigger's. Without it, the workers' dispatch tick (every second by default)
  finds the due flow: latency, never loss, since the trigger is in the database. A job
  deferred for later is found by the workers' poll (every 0.5 s, `engine/worker_slots.py`):
  its insert's NOTIFY comes before it is due.

The receiver calls a waker only for flows a delivery moved, so a burst is one call, and a
waker that fails costs latency only (the flow is due in the database either way).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from orderhub.domain import FlowName
from orderhub.engine import EmbeddedScheduler, flow_lease_key
from orderhub.extras import missing_extra

if TYPE_CHECKING:
    import procrastinate

__all__ = ["QueueWake", "SchedulerWake"]

log = logging.getLogger(__name__)

_SETTLE_SECONDS = 0.05
"""Wake a little after the flow's due time, so the scheduler's clock surely sees it due."""


class SchedulerWake:
    """Wakes an embedded scheduler when a flow a delivery moved becomes due."""

    def __init__(self, scheduler: EmbeddedScheduler) -> None:
        self._scheduler = scheduler
        self._timer: threading.Timer | None = None
        self._fires_at = 0.0
        self._lock = threading.Lock()

    def __call__(self, integration_id: str, flows: list[FlowName], delay: float) -> None:
        fires_at = time.monotonic() + max(0.0, delay) + _SETTLE_SECONDS
        with self._lock:
            if self._timer is not None and self._timer.is_alive():
                if self._fires_at <= fires_at:
                    return  # an earlier wake is set: that look finds this flow too
                self._timer.cancel()
            self._timer = threading.Timer(fires_at - time.monotonic(), self._scheduler.wake)
            self._timer.daemon = True
            self._fires_at = fires_at
            self._timer.start()

    def close(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()


class QueueWake:
    """Defers `run_flow` jobs on the workers' Procrastinate queue (PostgreSQL)."""

    def __init__(self, conninfo: str) -> None:
        # Imported here: only a front end beside workers needs the `workers` extra.
        try:
            import procrastinate
        except ImportError as missing:
            raise missing_extra("workers", missing) from None

        self._app: procrastinate.App = procrastinate.App(
            connector=procrastinate.SyncPsycopgConnector(conninfo=conninfo, min_size=0, max_size=2)
        )
        self._opened = False
        self._lock = threading.Lock()

    def __call__(self, integration_id: str, flows: list[FlowName], delay: float) -> None:
        from procrastinate import exceptions as procrastinate_errors

        from orderhub.engine.distributed import (
            FLOWS_QUEUE,
            RUN_FLOW_TASK,
            TRIGGERED_PRIORITY,
            raise_queued_priority,
        )

        self._open()
        seconds = max(0.0, delay) + _SETTLE_SECONDS
        for flow in flows:
            key = flow_lease_key(integration_id, flow)
            deferrer = self._app.configure_task(
                RUN_FLOW_TASK,
                queue=FLOWS_QUEUE,
                lock=key,
                queueing_lock=key,
                priority=TRIGGERED_PRIORITY,
                schedule_in={"seconds": seconds},
            )
            try:
                deferrer.defer(integration_id=integration_id, flow=FlowName(flow).value)
            except procrastinate_errors.AlreadyEnqueued:
                log.debug("%s: a job is queued already; it runs as triggered", key)
                raise_queued_priority(self._app.connector, key)

    def close(self) -> None:
        with self._lock:
            if self._opened:
                self._app.close()
                self._opened = False

    def _open(self) -> None:
        with self._lock:
            if not self._opened:
                self._app.open()
                self._opened = True
