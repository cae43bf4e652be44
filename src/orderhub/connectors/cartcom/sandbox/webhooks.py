"""Webhook deliveries: subscriptions are rows of `/webhooks`; events are POSTed to their URLs.

Every documented event is delivered (`webhook_events` says when each is sent, and
`webhook_payloads` what its body is). One worker thread posts, in order, with a 3-second
timeout, no signature and no retries; `failure_type: "Fallback"` posts once more to
`fallback_url`. The realism switches (`webhook_switches`) drop, duplicate, delay or reorder a
share of deliveries. `transport` (an httpx transport) replaces the network: tests deliver to
an app in the same process.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from .datastore import Event
from .webhook_events import EVENT_TYPES
from .webhook_payloads import payload
from .webhook_switches import WebhookSwitches

if TYPE_CHECKING:
    from .datastore import DataStore

__all__ = ["DELIVERED_EVENTS", "WebhookDispatcher"]

DELIVERED_EVENTS = frozenset(EVENT_TYPES)


@dataclass(frozen=True)
class _Job:
    event: str
    url: str
    failure_type: str
    fallback: str
    body: dict[str, Any]


class WebhookDispatcher:
    """Listens to store events and delivers matching subscriptions in the background."""

    def __init__(self, store: DataStore, timeout: float = 3.0, seed: int = 1) -> None:
        self.store = store
        self.timeout = timeout
        self.switches = WebhookSwitches(seed)
        self.transport: httpx.BaseTransport | None = None
        """Where deliveries go instead of the network (set before the first delivery)."""
        self.deliveries: deque[dict[str, Any]] = deque(maxlen=1000)
        self._due: list[tuple[float, int, _Job]] = []  # (monotonic due time, order, job)
        self._held: list[tuple[float, int, _Job]] = []  # each held until a later one is sent
        self._order = itertools.count()
        self._pending = 0  # scheduled or held, not yet sent
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False
        store.listeners.append(self.on_event)

    def on_event(self, event: Event) -> None:
        if event.kind not in DELIVERED_EVENTS:
            return
        hooks = self.store.tables.get("webhooks")
        if hooks is None or hooks.live_count() == 0:
            return
        body: dict[str, Any] | None = None
        for row in hooks.iter_rows():
            if str(hooks.get(row, "event_type")).casefold() != event.kind.casefold():
                continue
            if body is None:
                body = payload(self.store, event, include_items=self.switches.include_items)
                if body is None:
                    return
            job = _Job(
                event.kind,
                hooks.get(row, "url"),
                hooks.get(row, "failure_type"),
                hooks.get(row, "fallback_url"),
                body,
            )
            self._schedule(job)

    def _schedule(self, job: _Job) -> None:
        plan = self.switches.plan()
        if plan.dropped:
            self.deliveries.append({"event_type": job.event, "url": job.url, "dropped": True})
            return
        now = time.monotonic()
        with self._cond:
            if self._closed:
                return
            self._start()
            for _ in range(plan.copies):
                self._pending += 1
                order = next(self._order)
                if plan.hold_back:
                    self._held.append((now + self.switches.reorder_wait_seconds, order, job))
                else:
                    heapq.heappush(self._due, (now + plan.delay, order, job))
            self._cond.notify_all()

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="cartcom-webhooks", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        with httpx.Client(
            timeout=self.timeout, follow_redirects=False, transport=self.transport
        ) as client:
            while True:
                jobs = self._next()
                if not jobs:
                    return
                for job in jobs:
                    self._send(client, job)

    def _next(self) -> list[_Job]:
        """The next job to send, followed by the held-back ones it overtook; [] when closed."""
        with self._cond:
            while True:
                if self._closed:
                    return []
                now = time.monotonic()
                if self._due and self._due[0][0] <= now:
                    _due, order, job = heapq.heappop(self._due)
                    overtaken = [held for held in self._held if held[1] < order]
                    self._held = [held for held in self._held if held[1] > order]
                    return [job, *(held[2] for held in overtaken)]
                expired = [held for held in self._held if held[0] <= now]
                if expired:
                    first = min(expired, key=lambda held: held[1])
                    self._held.remove(first)
                    return [first[2]]  # nothing came after it in time: sent late instead
                waits = [self._due[0][0] - now] if self._due else []
                waits += [held[0] - now for held in self._held]
                self._cond.wait(min(waits) if waits else None)

    def _send(self, client: httpx.Client, job: _Job) -> None:
        try:
            ok = self._post(client, job.event, job.url, job.body)
            if not ok and job.failure_type == "Fallback" and job.fallback:
                self._post(client, job.event, job.fallback, job.body)
        finally:
            with self._cond:
                self._pending -= 1
                self._cond.notify_all()

    def _post(self, client: httpx.Client, event: str, url: str, body: dict[str, Any]) -> bool:
        record: dict[str, Any] = {"event_type": event, "url": url}
        try:
            response = client.post(url, json=body)
            record["status_code"] = response.status_code
            ok = response.is_success
        except httpx.HTTPError as exc:
            record["error"] = type(exc).__name__
            ok = False
        self.deliveries.append(record)
        return ok

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until every scheduled delivery was sent (delayed ones too); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def close(self) -> None:
        """Stop the worker; deliveries not yet sent are abandoned."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=self.timeout + 1)
