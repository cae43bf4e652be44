"""One step of simulated store activity (used by `live.py` and the CLI's `--live`).

Changes go through the same write functions as the API, so they stamp `updated_at`, bump the
order and fire webhooks exactly as an API client's writes would.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from .errors import ApiError
from .shipment_writes import shipped_by_item
from .writes import create_or_update, set_order_status, update

if TYPE_CHECKING:
    from .sandbox import Sandbox

__all__ = ["Activity"]


class Activity:
    def __init__(self, sb: Sandbox, rng: random.Random, *, ships: bool = True) -> None:
        self.sb = sb
        self.rng = rng
        # False when someone else ships (the demo's hub warehouse): the store then only places,
        # captures and cancels, so the two never race to ship the same order.
        self.ships = ships
        statuses = sb.store.tables["order_statuses"]
        by_flag: dict[str, int] = {}
        by_name: dict[str, int] = {}
        for row in statuses.iter_rows():
            sid = statuses.ids[row]
            by_name[statuses.get(row, "name")] = sid
            for flag in ("is_shipped", "is_partially_shipped", "is_cancelled"):
                if statuses.get(row, flag):
                    by_flag.setdefault(flag, sid)
        self.shipped = by_flag.get("is_shipped")
        self.partial = by_flag.get("is_partially_shipped")
        self.cancelled = by_flag.get("is_cancelled")
        self.pending = by_name.get("Pending Processing")
        self.processing = by_name.get("Processing")

    def step(self) -> None:
        """Place an order half of the time; otherwise move an existing one along."""
        try:
            roll = self.rng.random()
            if roll < 0.5:
                self.sb.store.create_order()
            elif roll < 0.9:
                self.advance_order()
            else:
                self.edit_product()
        except ApiError:
            pass  # a concurrent change made this step invalid; the next one will differ

    def _recent_open_order(self) -> int | None:
        store = self.sb.store
        orders = store.tables["orders"]
        n = len(orders)
        if n == 0:
            return None
        movable = (self.pending, self.processing, self.partial) if self.ships else (self.pending,)
        for _ in range(20):
            row = n - 1 - int(self.rng.random() ** 2 * min(n, 500))
            if orders.alive[row] and orders.get(row, "order_status_id") in movable:
                return int(orders.ids[row])
        return None

    def advance_order(self) -> None:
        store = self.sb.store
        with store.lock:
            order_id = self._recent_open_order()
            if order_id is None:
                return
            orders = store.tables["orders"]
            row = orders.row_of(order_id)
            assert row is not None
            status = orders.get(row, "order_status_id")
            if status == self.pending:
                if self.rng.random() < 0.08 and self.cancelled is not None:
                    set_order_status(store, order_id, {"order_status_id": self.cancelled})
                    return
                self._capture(order_id)
                if self.processing is not None:
                    set_order_status(store, order_id, {"order_status_id": self.processing})
                return
            if self.ships:
                self._ship_rest(order_id)

    def _capture(self, order_id: int) -> None:
        store = self.sb.store
        payments = store.tables["order_payments"]
        for prow in store.child_rows("orders", "order_payments", order_id):
            if payments.get(prow, "is_approved") and not payments.get(prow, "is_captured"):
                update(
                    store,
                    payments,
                    payments.ids[prow],
                    {"is_captured": True, "transaction_type": "Sale"},
                )

    def _ship_rest(self, order_id: int) -> None:
        store = self.sb.store
        items = store.tables["order_items"]
        shipped = shipped_by_item(store, order_id)
        lines = []
        for irow in store.child_rows("orders", "order_items", order_id):
            if items.get(irow, "is_non_shipping_item"):
                continue
            item_id = items.ids[irow]
            left = items.get(irow, "quantity") - shipped.get(item_id, 0)
            if left > 0:
                lines.append({"id": item_id, "quantity_shipped": left})
        if not lines:
            return
        partial = len(lines) > 1 and self.rng.random() < 0.2
        if partial:
            lines = lines[: len(lines) // 2]
        number = f"1Z{self.rng.getrandbits(60):016X}"[:18]
        create_or_update(
            store,
            store.tables["order_shipments"],
            {
                "order_id": order_id,
                "shipping_method": "UPS Ground",
                "tracking_numbers": number,
                "tracking_url": f"https://www.ups.com/track?tracknum={number}",
                "items": lines,
            },
        )
        target = self.partial if partial else self.shipped
        if target is not None:
            set_order_status(store, order_id, {"order_status_id": target})

    def edit_product(self) -> None:
        store = self.sb.store
        products = store.tables.get("products")
        if products is None or len(products) == 0:
            self.sb.store.create_order()
            return
        with store.lock:
            row = self.rng.randrange(len(products))
            if not products.alive[row]:
                return
            price = products.get(row, "price")
            change = {"price": round(max(1.0, price * self.rng.uniform(0.9, 1.1)), 2)}
            update(store, products, products.ids[row], change)
