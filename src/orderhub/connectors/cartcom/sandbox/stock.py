"""Stock follows sales: placing an order (or shipping it, per `remove_from_inventory_when`)
takes the sold quantities off the product or variant rows, like the platform does.

Only the simulated shoppers' orders (`create_order`, `burst_orders`, live activity) and
shipments created through the API move stock; the seeded history does not.
"""

from __future__ import annotations

from .datastore import DataStore, Event
from .inventory import Target, change_stock
from .inventory_settings import InventorySettings

__all__ = ["StockKeeper"]


class StockKeeper:
    def __init__(self, store: DataStore, settings: InventorySettings) -> None:
        self.store = store
        self.settings = settings
        store.listeners.append(self.on_event)

    def on_event(self, event: Event) -> None:
        values = self.settings.values
        if not values["track_inventory"]:
            return
        when = values["remove_from_inventory_when"]
        if event.kind == "NewOrder" and when == "Ordered":
            items = self.store.tables["order_items"]
            for row in self.store.child_rows("orders", "order_items", event.record_id):
                self._take(row, items.get(row, "quantity"))
        elif event.kind == "_ItemsShipped" and when == "Shipped":
            items = self.store.tables["order_items"]
            for item_id, qty in event.extra.get("lines", {}).items():
                item_row = items.row_of(item_id)
                if item_row is not None and qty:
                    self._take(item_row, qty)

    def _take(self, item_row: int, qty: int) -> None:
        store = self.store
        items = store.tables["order_items"]
        target: Target | None = None
        vi_id = items.get(item_row, "variant_inventory_id")
        if vi_id is not None:
            row = store.tables["variant_inventory"].row_of(vi_id)
            if row is not None:
                target = ("variant_inventory", row)
        else:
            products = store.tables["products"]
            row = products.row_of(items.get(item_row, "product_id"))
            if row is not None and not products.get(row, "use_variant_inventory"):
                target = ("products", row)
        if target is not None:
            change_stock(store, target, "remove", qty)
