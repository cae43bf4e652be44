"""The embedded scheduler: one process runs every enabled flow on its interval.

The schedule lives in the database (`next_run_at` per flow), not in this object: the scheduler
only asks the store which flows are due and hands them to the runner, whose lease keeps a flow
from running twice at once. That is what lets distributed workers replace this class later
without touching a flow: they ask the same question and make the same call.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures

from orderhub.clock import Clock, SystemClock
from orderhub.domain import FlowName, Run
from orderhub.engine.cadence import budget_patience, feed_watches
from orderhub.engine.errors import BudgetBusy, IntegrationNotFound
from orderhub.engine.runner import FlowRunner
from orderhub.engine.scheduled_run import run_due_flow
from orderhub.store.database import Database
from orderhub.store.due_flows import find_due_flows
from orderhub.store.flows import set_next_run

__all__ = ["EmbeddedScheduler", "chain_ticks"]

log = logging.getLogger(__name__)

_Key = tuple[str, FlowName]
TickHook = Callable[[threading.Event], None]


def chain_ticks(*hooks: TickHook | None) -> TickHook | None:
    """One `on_tick` that calls each hook given (the daily verification, the alerts' look)."""
    present = [hook for hook in hooks if hook is not None]
    if not present:
        return None

    def tick(stop: threading.Event) -> None:
        for hook in present:
            try:
                hook(stop)
            except Exception:  # one hook's trouble must not starve the others
                log.exception("scheduler tick hook failed")

    return tick


class EmbeddedScheduler:
    """Runs each enabled flow on its interval (default 60 s); never two runs of one flow at once.

    Its slots go to triggered flows first (`store.due_flows.find_due_flows`): a look hands out
    only the free slots, and when due flows were left waiting, a run ending looks again.
    """

    def __init__(
        self,
        runner: FlowRunner,
        db: Database,
        *,
        clock: Clock | None = None,
        tick_seconds: float = 1.0,
        max_workers: int = 4,
        on_tick: Callable[[threading.Event], None] | None = None,
    ) -> None:
        """`on_tick(stop)` is called after each tick's dispatch, on the scheduler's thread (the
        daily verification, engine/verify_schedule.py); it must return at once."""
        if tick_seconds <= 0:
            raise ValueError("tick_seconds must be positive")
        self._runner = runner
        self._db = db
        self._clock: Clock = clock or SystemClock()
        self._tick = tick_seconds
        self._max_workers = max_workers
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._inflight: dict[_Key, Future[Run | None]] = {}
        self._inflight_lock = threading.Lock()
        self._on_tick = on_tick
        self._feeds = feed_watches(runner.registry)
        self._backlog = False
        """The last look left due flows waiting for a slot (triggered ones were given first)."""
        self._held: dict[_Key, float] = {}
        """Flows that gave their slot back for their store's call budget -> when (monotonic)
        they may have one again."""

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def run_due_once(self) -> list[Run]:
        """Run every flow that is due now, one after the other, and return their runs."""
        runs: list[Run] = []
        for integration_id, flow, _triggered in self._due():
            run = self._run_one(integration_id, flow, stop=None, swallow=False)
            if run is not None:
                runs.append(run)
        return runs

    def trigger(self, integration_id: str, flow: FlowName) -> None:
        """Run this flow as soon as possible ("Sync now", a webhook): its next run is now.

        A trigger that arrives while the flow runs is kept: the run that is going on finishes,
        and the next one starts at once instead of an interval later.
        """
        flow = FlowName(flow)
        with self._db.session() as session:
            moved = set_next_run(
                session, integration_id, flow, self._clock.now(), mark_requested=True
            )
        if not moved:
            raise IntegrationNotFound(f"No integration with id {integration_id!r}")
        self._wake.set()

    def wake(self) -> None:
        """Look for due flows now instead of at the next tick (a trigger just made one due)."""
        self._wake.set()

    def start(self) -> None:
        """Start the background thread: every tick, due flows go to a small thread pool."""
        if self.running:
            raise RuntimeError("the scheduler is running already")
        self._stopping.clear()
        self._pool = ThreadPoolExecutor(
            max_workers=self._max_workers, thread_name_prefix="orderhub-flow"
        )
        self._thread = threading.Thread(target=self._loop, name="orderhub-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop dispatching, ask running flows to stop at a page boundary, wait up to `timeout`."""
        self._stopping.set()  # also the stop signal of the runs it started (`ctx.should_stop`)
        self._wake.set()
        thread, pool = self._thread, self._pool
        if thread is not None:
            thread.join(timeout)
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
            with self._inflight_lock:
                pending = list(self._inflight.values())
            _done, not_done = wait_futures(pending, timeout=timeout)
            if not_done:
                log.warning("%d flow run(s) still going after %.0fs", len(not_done), timeout)
        self._thread = None
        self._pool = None

    # -- internals -------------------------------------------------------------------------

    def _loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()  # a trigger during the dispatch below ends the next wait early
            try:
                self._dispatch()
            except Exception:  # a database hiccup must not end scheduling for good
                log.exception("scheduler tick failed; trying again next tick")
            self._wake.wait(self._tick)

    def _dispatch(self) -> None:
        pool = self._pool
        if pool is None:
            return
        self._backlog = False
        for integration_id, flow, triggered in self._due():
            key = (integration_id, flow)
            if self._stopping.is_set():
                return
            with self._inflight_lock:
                if key in self._inflight:
                    continue  # queued or running in this process already
                if self._held.get(key, 0.0) > time.monotonic():
                    continue  # waiting for its store's call budget, outside any slot
                self._held.pop(key, None)
                if len(self._inflight) >= self._max_workers:
                    # No free slot: a run ending wakes the next look, which picks again.
                    self._backlog = True
                    break
                future = pool.submit(
                    self._run_one,
                    key[0],
                    key[1],
                    stop=self._stopping,
                    swallow=True,
                    patience=budget_patience(triggered),
                )
                self._inflight[key] = future
            future.add_done_callback(functools.partial(self._forget, key))
        if self._on_tick is not None and not self._stopping.is_set():
            self._on_tick(self._stopping)

    def _forget(self, key: _Key, _future: Future[Run | None]) -> None:
        with self._inflight_lock:
            self._inflight.pop(key, None)
        if self._backlog:
            self._wake.set()  # a slot is free and flows wait for one: pick the most urgent

    def _due(self) -> list[tuple[str, FlowName, bool]]:
        """Due flows and whether a trigger made each due, triggered ones first
        (`store.due_flows.find_due_flows`)."""
        now = self._clock.now()
        with self._db.read_session() as session:
            due = find_due_flows(session, now=now, feeds=self._feeds)
        return [(item.integration_id, item.flow, item.triggered) for item in due]

    def _run_one(
        self,
        integration_id: str,
        flow: FlowName,
        *,
        stop: threading.Event | None,
        swallow: bool,
        patience: float | None = None,
    ) -> Run | None:
        """Run one due flow; a refusal is logged (and postponed when it would repeat every tick).

        `patience` (the background loop's): a run its store's call budget would keep waiting
        longer gives its slot back and is not handed one again before the budget allows.
        """
        try:
            outcome = run_due_flow(
                self._runner, self._db, self._clock, integration_id, flow, stop, patience=patience
            )
        except Exception:
            if not swallow:
                raise
            log.exception("%s %s could not be run", integration_id, flow.value)
            return None
        if isinstance(outcome, BudgetBusy):
            with self._inflight_lock:
                self._held[(integration_id, flow)] = time.monotonic() + outcome.wait_seconds
            return None
        return outcome if isinstance(outcome, Run) else None
