"""The daily verification: which integrations are due, and the embedded scheduler's hook.

An integration is due when one of its pull flows is on and its last verification started
`every` ago or more (`ORDERHUB_VERIFY_EVERY_HOURS`, 24 by default; 0: never). One that was
never verified counts from its `enabledAt`: the first check comes a day after connecting, when
there is a day to check. The verification row is written when a check starts, so a check that
fails or is cut short still counts: a broken store is checked again the next day, not every
minute.

The engine does not know how to verify (that is the connector's and the services'); its
schedulers are handed a `verify(integration_id, stop)` callable:

- embedded (`EmbeddedScheduler(on_tick=VerifyTicker(...))`): once a minute the ticker asks
  which integrations are due and verifies them one after another on a thread of its own, so a
  long check never holds a flow slot;
- distributed (`engine/verify_jobs.py`): the dispatch job defers one verify job per due
  integration.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from orderhub.clock import Clock
from orderhub.domain import FlowName
from orderhub.store import verifications as store_verifications
from orderhub.store.database import Database

__all__ = [
    "PULL_FLOWS",
    "VerifyCallable",
    "VerifySchedule",
    "VerifyTicker",
    "due_verifications",
]

log = logging.getLogger(__name__)

PULL_FLOWS = tuple(flow for flow in FlowName if flow.value.endswith(".pull"))
"""Verification compares what a pull flow brought in; push flows have nothing to verify."""
DUE_LIMIT = 100
"""Integrations started per look: the rest are found by the next one."""

VerifyCallable = Callable[[str, threading.Event | None], object]
"""`verify(integration_id, stop)`: check one integration (and repair it), now."""


def due_verifications(
    session: Session, now: datetime, *, every: timedelta, limit: int = DUE_LIMIT
) -> list[str]:
    """Integrations whose daily verification is due at `now`, longest-waiting first."""
    if every <= timedelta(0):
        return []
    return store_verifications.due_for_verification(
        session, cutoff=now - every, flows=PULL_FLOWS, limit=limit
    )


@dataclass(frozen=True)
class VerifySchedule:
    """How a scheduler starts verifications: `verify` every `every` (none when 0)."""

    verify: VerifyCallable
    every: timedelta
    check_every_seconds: float = 60.0
    """How often the scheduler asks which integrations are due."""

    @classmethod
    def every_hours(
        cls, hours: float, verify: VerifyCallable, *, check_every_seconds: float = 60.0
    ) -> VerifySchedule | None:
        """The schedule for `ORDERHUB_VERIFY_EVERY_HOURS`; None for 0 (never)."""
        if hours <= 0:
            return None
        return cls(verify, timedelta(hours=hours), check_every_seconds)


class VerifyTicker:
    """The embedded scheduler's `on_tick`: starts due verifications, one at a time, off-tick.

    Called on every scheduler tick (a second); it looks at the database only once per
    `check_every_seconds`, and not at all while its verification thread is busy.
    """

    def __init__(self, schedule: VerifySchedule, db: Database, *, clock: Clock) -> None:
        self._schedule = schedule
        self._db = db
        self._clock = clock
        self._looked_at: float | None = None
        self._thread: threading.Thread | None = None

    @property
    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __call__(self, stop: threading.Event) -> None:
        moment = self._clock.monotonic()
        if self.busy or stop.is_set():
            return
        if self._looked_at is not None and (
            moment - self._looked_at < self._schedule.check_every_seconds
        ):
            return
        self._looked_at = moment
        with self._db.read_session() as session:
            due = due_verifications(session, self._clock.now(), every=self._schedule.every)
        if not due:
            return
        self._thread = threading.Thread(
            target=self._verify_all, args=(due, stop), name="orderhub-verify", daemon=True
        )
        self._thread.start()

    def join(self, timeout: float) -> bool:
        """Wait for a verification in progress; True if none is left running."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return not self.busy

    def _verify_all(self, due: list[str], stop: threading.Event) -> None:
        for integration_id in due:
            if stop.is_set():
                return
            try:
                self._schedule.verify(integration_id, stop)
            except Exception:  # one integration's trouble must not end the others' checks
                log.exception("daily verification of %s failed", integration_id)
