"""Leases a run holds: the flow's run lease, renewed while it works, and the schedule mutex.

`RunLease` is a run's hold on `flow:<integration>:<flow>` (one run of a flow at a time, across
threads, processes and machines: `orderhub.store.leases`), renewed by a daemon thread every
TTL/3 and at each page; losing it (the run stalled past its TTL and another owner took over)
makes the run stop at its next page. `locked_flow_state` serialises read-modify-writes of a
flow's schedule. `LeaseHandle` is what a run's context sees of its lease.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from orderhub.clock import Clock
from orderhub.domain import FlowName
from orderhub.engine.errors import IntegrationNotFound, LeaseLost
from orderhub.store import leases as store_leases
from orderhub.store.database import Database
from orderhub.store.errors import NotFoundError as StoreNotFound
from orderhub.store.flows import FlowState, get_flow_state, lock_flow_state, set_next_run

__all__ = ["LeaseHandle", "RunLease", "flow_lease_key", "locked_flow_state", "postpone_flow"]

log = logging.getLogger(__name__)


def flow_lease_key(integration_id: str, flow: FlowName) -> str:
    """The lease that makes a flow run once at a time, whoever runs it: `flow:<id>:<flow>`."""
    return store_leases.flow_lease_key(integration_id, FlowName(flow).value)


class LeaseHandle(Protocol):
    """The run's hold on its flow; the runner provides it, a hand-built context may omit it."""

    @property
    def lost(self) -> bool:
        """True once a renewal failed: another worker may own the flow now."""
        ...

    def renew(self) -> None:
        """Extend the lease (throttled); raise `LeaseLost` if it could not be extended."""
        ...


class RunLease:
    """The run's hold on `flow:<integration>:<flow>`, renewed by a thread and per page."""

    def __init__(self, db: Database, key: str, owner: str, ttl: float, clock: Clock) -> None:
        self._db = db
        self._key = key
        self._owner = owner
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._lost = False
        self._released = False
        self._renewed_at = 0.0
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def lost(self) -> bool:
        return self._lost

    def acquire(self) -> bool:
        with self._db.session() as session:
            return self.acquire_in(session)

    def acquire_in(self, session: Session) -> bool:
        """Take the lease in the caller's transaction (a run's start: one commit for the
        lease, the run row and the schedule). Until it commits, a contender waits on the
        lease row (PostgreSQL) or the write lock (SQLite); if it rolls back, nothing was taken.
        """
        acquired = store_leases.try_acquire(
            session,
            key=self._key,
            owner=self._owner,
            ttl_seconds=self._ttl,
            now=self._clock.now(),
        )
        self._renewed_at = self._clock.monotonic()
        self._released = False
        return acquired

    def renew(self) -> None:
        """Renew when a third of the TTL has passed since the last renewal; raise if lost."""
        if self._lost:
            raise LeaseLost(f"lease {self._key} expired")
        if self._clock.monotonic() - self._renewed_at >= self._ttl / 3:
            self._renew_now()
        if self._lost:
            raise LeaseLost(f"lease {self._key} expired")

    def keep_alive(self) -> None:
        """Renew from a daemon thread every TTL/3 until `stop_keep_alive`."""
        self._thread = threading.Thread(
            target=self._keep_alive_loop, name=f"lease {self._key}", daemon=True
        )
        self._thread.start()

    def stop_keep_alive(self) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def release(self) -> None:
        self.stop_keep_alive()
        if self._lost or self._released:
            return  # another owner may hold it now, or `release_in` gave it up already
        try:
            with self._db.session() as session:
                store_leases.release(session, key=self._key, owner=self._owner)
            self._released = True
        except Exception:  # the TTL frees it anyway; never hide the run's own outcome
            log.exception("could not release lease %s; it expires by itself", self._key)

    def release_in(self, session: Session) -> None:
        """Give the lease up in the caller's transaction (a run's finish: the run row, the
        schedule and the lease in one commit); once it commits, `release` has nothing left to
        do (`released`). Call it after `stop_keep_alive`, first in the transaction: the lease
        row before the flow row, as at the start, so two transactions never wait on each
        other in turn."""
        if not self._lost:
            store_leases.release(session, key=self._key, owner=self._owner)

    def released(self) -> None:
        """The transaction of `release_in` committed: nothing left to give up."""
        self._released = True

    def _keep_alive_loop(self) -> None:
        while not self._done.wait(self._ttl / 3):
            try:
                self._renew_now()
            except Exception:  # a busy database now and then: the next tick tries again
                log.exception("could not renew lease %s", self._key)
            if self._lost:
                return

    def _renew_now(self) -> None:
        with self._lock:
            if self._lost:
                return
            with self._db.session() as session:
                ok = store_leases.renew(
                    session,
                    key=self._key,
                    owner=self._owner,
                    ttl_seconds=self._ttl,
                    now=self._clock.now(),
                )
            self._renewed_at = self._clock.monotonic()
            if not ok:
                self._lost = True
                log.warning("lease %s was lost; the run stops at its next page", self._key)


@contextmanager
def locked_flow_state(
    session: Session, integration_id: str, flow: FlowName, *, now: datetime
) -> Iterator[FlowState]:
    """A flow's state, read fresh and locked until `session` commits: for schedule updates.

    Setting `next_run_at` from what was there is a read-modify-write (a run's finish keeps an
    earlier time a trigger set meanwhile), and a trigger can come from any thread or worker.
    The flow row is read `FOR UPDATE` (`store.flows.lock_flow_state`): on PostgreSQL another
    locker, and any UPDATE of the row (a trigger's), waits for this transaction to end; on
    SQLite `BEGIN IMMEDIATE` already serialises writers. Take it first in the transaction, so
    the state it reads is the one the transaction writes over. (`now`: unused since the lock is a
    row lock, no longer a lease row with a TTL.)
    """
    try:
        state = lock_flow_state(session, integration_id, flow)
    except StoreNotFound as exc:
        raise IntegrationNotFound(f"No integration with id {integration_id!r}") from exc
    yield state


def postpone_flow(db: Database, clock: Clock, integration_id: str, flow: FlowName) -> None:
    """Due but unable to run (not available, not connected): look again an interval later,
    not at every scheduler tick. An integration removed meanwhile leaves nothing to move."""
    now = clock.now()
    with db.session() as session:
        try:
            interval = get_flow_state(session, integration_id, flow).interval_seconds
        except StoreNotFound:
            return
        set_next_run(session, integration_id, flow, now + timedelta(seconds=interval))
