"""Realism switches: the platform behaviours that break naive sync clients.

- `mutate_while_paging`: after each served list page of orders, that many random orders are
  updated, so an offset walk sorted by `updated_at` skips records (they jump to the end).
- `visibility_lag_seconds`: a write stamped at T shows in list/filter results only at T+lag
  (until then lists show the previous version, or nothing for a new record); GET by id sees it
  at once. A cursor that advances to "now" loses such writes.
- `postal_code_as`: `"integer"` (default) sends `order_addresses.postal_code` as acapi.yaml
  types it, a JSON integer whenever the code can be one, so `02187` arrives as `2187` and the
  ZIP+4 `02187-1234` as `21871234`; `"string"` sends the text as stored. The docs never show
  a leading-zero ZIP, so both are plausible, and the connector is tested under each.
- `order_children_touch_order`: whether a change to an order's items, payments, shipments,
  shipment items or addresses also moves the order's `updated_at`. The docs do not say (open
  question 4), so the default is the answer a connector cannot lean on: it does not. orders.pull
  follows those resources by their own `updated_at` and is tested under both.
"""

from __future__ import annotations

import random
import threading
from typing import Any

from .datastore import DataStore

__all__ = ["Realism"]


class Realism:
    def __init__(self, store: DataStore, seed: int = 1) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._rng = random.Random(f"{seed}:realism")
        self.mutate_while_paging = 0

    @property
    def visibility_lag_seconds(self) -> float:
        return self._store.lag_ms / 1000

    @visibility_lag_seconds.setter
    def visibility_lag_seconds(self, seconds: float) -> None:
        self._store.set_lag(max(0.0, float(seconds)))

    @property
    def order_children_touch_order(self) -> bool:
        return self._store.order_children_touch_order

    @order_children_touch_order.setter
    def order_children_touch_order(self, touch: bool) -> None:
        self._store.order_children_touch_order = bool(touch)

    @property
    def postal_code_as(self) -> str:
        return self._store.postal_form

    @postal_code_as.setter
    def postal_code_as(self, form: str) -> None:
        self._store.set_postal_form(form)

    def after_orders_page(self) -> None:
        """Update `mutate_while_paging` random orders (called after a list page of orders)."""
        n = self.mutate_while_paging
        if n <= 0:
            return
        store = self._store
        with store.lock:
            orders = store.tables["orders"]
            if orders.live_count() == 0:
                return
            for _ in range(n):
                with self._lock:
                    row = self._rng.randrange(len(orders))
                if orders.alive[row]:
                    comment = f"touched while paging at {store.now_ms()}"
                    store.update("orders", row, {"admin_comments": comment})
                    store.emit("OrderUpdated", "orders", orders.ids[row])

    def to_dict(self) -> dict[str, Any]:
        return {
            "mutate_while_paging": self.mutate_while_paging,
            "visibility_lag_seconds": self.visibility_lag_seconds,
            "postal_code_as": self.postal_code_as,
            "order_children_touch_order": self.order_children_touch_order,
        }

    def update(self, changes: dict[str, Any]) -> None:
        if "mutate_while_paging" in changes:
            self.mutate_while_paging = max(0, int(changes["mutate_while_paging"]))
        if "visibility_lag_seconds" in changes:
            self.visibility_lag_seconds = float(changes["visibility_lag_seconds"])
        if "postal_code_as" in changes:
            self.postal_code_as = str(changes["postal_code_as"])
        if "order_children_touch_order" in changes:
            value = changes["order_children_touch_order"]
            if not isinstance(value, bool):
                raise ValueError("order_children_touch_order must be true or false")
            self.order_children_touch_order = value
