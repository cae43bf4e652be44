"""Look for problems, keep the incident table in step, and send what is owed: exactly one
message per channel when an incident opens and one when it clears.

One process at a time does it, whatever the number of web processes and workers: a look
takes the `alerts` lease (the hub's lease table: an atomic upsert on PostgreSQL and SQLite
alike), and a process that does not get it skips that look. The partial unique index on open
incidents' keys stands behind the lease. Each delivery is recorded in its own short
transaction just after it is sent, so a message is sent again only if the process dies
between the two (at least once, never a flood). A channel that fails is tried again at the
next look, not before, and not for the other messages of the same look. An incident clears
only once its problem has stayed gone for `SETTLE` (5 minutes): flapping sends no flood.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from orderhub.alert_settings import AlertSettings
from orderhub.alerts.channels import Channel, DeliveryFailed, channels_for
from orderhub.alerts.conditions import current_conditions
from orderhub.alerts.messages import message_for
from orderhub.clock import Clock, SystemClock
from orderhub.connectors.base import Connector
from orderhub.connectors.registry import default_connectors
from orderhub.store import alert_incidents as incident_store
from orderhub.store import leases
from orderhub.store.database import Database

__all__ = ["LEASE_KEY", "SETTLE", "AlertMonitor", "AlertTicker", "LookOutcome"]

LEASE_KEY = "alerts"
SETTLE = timedelta(minutes=5)
"""An open incident clears when its problem has been gone this long: a flow that fails,
succeeds once and fails again stays one incident (two messages), not a pair every few runs."""
_LEASE_SECONDS = 300.0
_GIVE_UP_CLEARING_AFTER = timedelta(days=1)

log = logging.getLogger(__name__)


@dataclass
class LookOutcome:
    """What one look did (`skipped`: another process held the lease)."""

    skipped: bool = False
    opened: list[str] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    """`<event> <incident key> via <channel>`."""
    failed: list[str] = field(default_factory=list)


class AlertMonitor:
    def __init__(
        self,
        db: Database,
        settings: AlertSettings,
        *,
        clock: Clock | None = None,
        channels: list[Channel] | None = None,
        hub_url: str | None = None,
        owner: str | None = None,
        settle: timedelta = SETTLE,
        connectors: Iterable[Connector] | None = None,
    ) -> None:
        """`connectors`: whose words for a refused token or permission mark a connection
        failure (None: the hub's default connectors)."""
        self._db = db
        self._connectors = list(connectors if connectors is not None else default_connectors())
        self._settings = settings
        self._clock: Clock = clock or SystemClock()
        self._channels = channels if channels is not None else channels_for(settings)
        self._hub_url = hub_url
        self._owner = owner or leases.lease_owner_id()
        self._settle = settle

    def look(self) -> LookOutcome:
        """Evaluate the conditions and deliver what is owed, if no other process is at it."""
        with self._db.session() as session:
            if not leases.try_acquire(
                session,
                key=LEASE_KEY,
                owner=self._owner,
                ttl_seconds=_LEASE_SECONDS,
                now=self._clock.now(),
            ):
                return LookOutcome(skipped=True)
        try:
            outcome = self._evaluate()
            self._deliver(outcome)
            return outcome
        finally:
            with self._db.session() as session:
                leases.release(session, key=LEASE_KEY, owner=self._owner)

    def _evaluate(self) -> LookOutcome:
        outcome = LookOutcome()
        now = self._clock.now()
        with self._db.session() as session:
            open_now = incident_store.open_incidents(session)
            holding = current_conditions(
                session,
                self._settings,
                now,
                open_keys=set(open_now),
                connectors=self._connectors,
            )
            for key, condition in holding.items():
                if key in open_now:
                    if open_now[key].absent_since is not None:
                        incident_store.mark_absent(session, open_now[key], now=None)
                    continue
                incident_store.open_incident(
                    session,
                    key=key,
                    kind=condition.kind,
                    integration_id=condition.integration_id,
                    flow=condition.flow,
                    title=condition.title,
                    detail=condition.detail,
                    now=now,
                )
                outcome.opened.append(key)
            for key, row in open_now.items():
                if key in holding:
                    continue
                incident_store.mark_absent(session, row, now=now)
                if row.absent_since is not None and now - row.absent_since >= self._settle:
                    incident_store.clear_incident(session, row, now=now)
                    outcome.cleared.append(key)
        for key in outcome.opened:
            log.warning("alert opened: %s", holding[key].title)
        for key in outcome.cleared:
            log.info("alert cleared: %s", key)
        return outcome

    def _deliver(self, outcome: LookOutcome) -> None:
        if not self._channels:
            return
        names = tuple(channel.name for channel in self._channels)
        now = self._clock.now()
        with self._db.read_session() as session:
            notices = incident_store.pending_notices(
                session, names, cleared_since=now - _GIVE_UP_CLEARING_AFTER
            )
            owed = [
                (incident_store.incident_of(notice.row), notice.event, notice.missing)
                for notice in notices
            ]
        broken: set[str] = set()
        for incident, event, missing in owed:
            message = message_for(incident, event, now=now, hub_url=self._hub_url)
            for channel in self._channels:
                if channel.name not in missing or channel.name in broken:
                    continue
                label = f"{event} {incident.key} via {channel.name}"
                try:
                    channel.send(message)
                except DeliveryFailed as problem:
                    broken.add(channel.name)
                    outcome.failed.append(f"{label}: {problem}")
                    log.warning("alert not delivered: %s", problem)
                    error: str | None = str(problem)
                else:
                    outcome.sent.append(label)
                    error = None
                with self._db.session() as session:
                    incident_store.mark_sent(
                        session, incident.incident_id, event, channel.name, error
                    )


class AlertTicker:
    """The embedded scheduler's `on_tick` (and a worker's loop): a look every
    `every_seconds`, on a thread of its own so a slow mail server never delays dispatch."""

    def __init__(self, monitor: AlertMonitor, *, every_seconds: float, clock: Clock) -> None:
        self._monitor = monitor
        self._every = every_seconds
        self._clock = clock
        self._looked_at: float | None = None
        self._thread: threading.Thread | None = None

    def __call__(self, stop: threading.Event) -> None:
        moment = self._clock.monotonic()
        if stop.is_set() or (self._thread is not None and self._thread.is_alive()):
            return
        if self._looked_at is not None and moment - self._looked_at < self._every:
            return
        self._looked_at = moment
        self._thread = threading.Thread(target=self._look, name="orderhub-alerts", daemon=True)
        self._thread.start()

    def run_until(self, stop: threading.Event, *, tick_seconds: float = 1.0) -> None:
        """A worker's loop: tick until `stop` is set."""
        while not stop.wait(tick_seconds):
            self(stop)

    def join(self, timeout: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _look(self) -> None:
        try:
            self._monitor.look()
        except Exception:  # a database hiccup must not end alerting for good
            log.exception("alert look failed; trying again at the next one")
