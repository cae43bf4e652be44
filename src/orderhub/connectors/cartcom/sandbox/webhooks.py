"""Webhook deliveries: subscriptions are rows of `/webhooks`; events are POSTed to their URLs.

Delivered events: NewOrder, NewValidOrder, OrderUpdated, OrderStatusChanged, OrderShipped,
ProductCreated, ProductUpdated. The body is `{"order": {...}}` (the order as `GET /orders/{id}`
without nested collections; our answer to an open question), `{"order", "old_status",
"new_status"}` for OrderStatusChanged (both statuses as order_status objects) and
`{"product": {...}}` for product events. A worker thread posts with a 3-second timeout, no
signature and no retries; `failure_type: "Fallback"` posts once more to `fallback_url`.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from typing import TYPE_CHECKING, Any

import httpx

from .datastore import Event
from .render import Renderer

if TYPE_CHECKING:
    from .datastore import DataStore

__all__ = ["DELIVERED_EVENTS", "WebhookDispatcher"]

DELIVERED_EVENTS = frozenset(
    {
        "NewOrder",
        "NewValidOrder",
        "OrderUpdated",
        "OrderStatusChanged",
        "OrderShipped",
        "ProductCreated",
        "ProductUpdated",
    }
)

_Job = tuple[str, str, str, str, dict[str, Any]]  # event, url, failure_type, fallback, body


class WebhookDispatcher:
    """Listens to store events and delivers matching subscriptions in the background."""

    def __init__(self, store: DataStore, timeout: float = 3.0) -> None:
        self.store = store
        self.timeout = timeout
        self.deliveries: deque[dict[str, Any]] = deque(maxlen=1000)
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
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
                body = self._payload(event)
                if body is None:
                    return
            self._enqueue(
                (
                    event.kind,
                    hooks.get(row, "url"),
                    hooks.get(row, "failure_type"),
                    hooks.get(row, "fallback_url"),
                    body,
                )
            )

    def _payload(self, event: Event) -> dict[str, Any] | None:
        renderer = Renderer(self.store)
        table = self.store.tables[event.table]
        row = table.row_of(event.record_id)
        if row is None:
            return None
        record = renderer.record(event.table, row, None, [])
        key = "order" if event.table == "orders" else "product"
        body: dict[str, Any] = {key: record}
        if event.kind == "OrderStatusChanged":
            statuses = self.store.tables["order_statuses"]
            for name in ("old_status", "new_status"):
                srow = statuses.row_of(event.extra.get(name, 0))
                body[name] = (
                    None if srow is None else renderer.record("order_statuses", srow, None, [])
                )
        return body

    def _enqueue(self, job: _Job) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="cartcom-webhooks", daemon=True
                )
                self._thread.start()
        self._queue.put(job)

    def _run(self) -> None:
        with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
            while True:
                job = self._queue.get()
                if job is None:
                    return
                event, url, failure_type, fallback, body = job
                ok = self._post(client, event, url, body)
                if not ok and failure_type == "Fallback" and fallback:
                    self._post(client, event, fallback, body)
                self._queue.task_done()

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
        """Block until queued deliveries are done (tests); False on timeout."""
        done = threading.Event()

        def waiter() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=waiter, daemon=True).start()
        return done.wait(timeout)

    def close(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
