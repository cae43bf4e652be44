"""Work a request starts and does not wait for: the one way the API and the portal run it.

"Sync now" without a scheduler, retries, a verification: the request answers at once (the API
202, the portal a job page) and the work runs on a daemon thread through the same `FlowRunner`
the CLI uses, so its progress shows in the run history like any other run, and the flow lease
keeps it from running twice at once even when the scheduler picks the same flow. A refused
run (the flow is busy, switched off meanwhile, the integration disconnected) is logged, not
raised: nobody is waiting for it. `BackgroundWork` keeps track of the threads, so shutdown
and tests can wait for them (`wait`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from orderhub.domain import FlowName
from orderhub.engine import FlowRunner
from orderhub.engine.errors import RunRefused

__all__ = ["BackgroundWork", "run_flows"]

log = logging.getLogger(__name__)


class BackgroundWork:
    """Starts named daemon threads and keeps track of them, so tests and shutdown can wait."""

    def __init__(self) -> None:
        self._threads: set[threading.Thread] = set()
        self._lock = threading.Lock()

    def start(self, name: str, work: Callable[[], object]) -> None:
        thread = threading.Thread(target=self._run, args=(name, work), name=name, daemon=True)
        with self._lock:
            self._threads.add(thread)
        thread.start()

    @property
    def active(self) -> int:
        with self._lock:
            return sum(1 for thread in self._threads if thread.is_alive())

    def wait(self, timeout: float) -> bool:
        """Wait for every started thread; True if all finished within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                threads = list(self._threads)
            if not threads:
                return True
            for thread in threads:
                thread.join(max(0.0, deadline - time.monotonic()))
            if any(thread.is_alive() for thread in threads):
                return False

    def _run(self, name: str, work: Callable[[], object]) -> None:
        try:
            work()
        except Exception:  # nobody awaits this thread: log, never lose it silently
            log.exception("background work %r failed", name)
        finally:
            with self._lock:
                self._threads.discard(threading.current_thread())


def run_flows(runner: FlowRunner, integration_id: str, flows: Sequence[FlowName]) -> None:
    """Run each flow once now (trigger `manual`), one after the other."""
    for flow in flows:
        try:
            run = runner.run_flow(integration_id, flow, trigger="manual")
        except RunRefused as refused:
            log.info("sync of %s %s not run: %s", integration_id, flow.value, refused)
            continue
        log.info("sync of %s %s: %s", integration_id, flow.value, run.status.value)
