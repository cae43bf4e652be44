"""Shipment upserts: found by id or by `shipment_name` within the order, items merged or
replaced (the store's `shipment_items` answer), the total shipped per order item checked
(unless the `over_shipping` answer is "accept"), tracking numbers kept with the store's
separator. A shipment never changes the order's status."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .datastore import DataStore
from .decode import decode_changes, given_id
from .errors import ApiError
from .listing import get_one
from .seed_data import SHIPPING_METHODS
from .table import Table

__all__ = ["shipped_by_item", "upsert_shipment"]

_METHODS = {m[0].casefold(): m for m in SHIPPING_METHODS}


def upsert_shipment(
    store: DataStore, table: Table, body: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    row: int | None = None
    sid = body.get("id")
    if isinstance(sid, int) and not isinstance(sid, bool):
        row = table.row_of(sid)
    order_id = body.get("order_id")
    if row is not None and order_id is None:
        order_id = table.get(row, "order_id")
    if isinstance(order_id, bool) or not isinstance(order_id, int):
        raise ApiError(409, "Validation failed: order_id is required")
    if store.tables["orders"].row_of(order_id) is None:
        raise ApiError(409, f"Validation failed: order_id {order_id} does not exist")
    name = body.get("shipment_name")
    if row is None and isinstance(name, str) and name:
        for srow in store.child_rows("orders", "order_shipments", order_id):
            if table.get(srow, "shipment_name").casefold() == name.casefold():
                row = srow
                break
    values = decode_changes(table, body)
    if isinstance(values.get("tracking_numbers"), str):
        values["tracking_numbers"] = _tracking(values["tracking_numbers"], store)
    method = _METHODS.get(str(values.get("shipping_method", "")).casefold())
    if method is not None:
        values.setdefault("shipping_method_id", method[3])
        values.setdefault("shipping_provider_name", method[1])
        values.setdefault("shipping_method_type", method[5])
    lines = _shipment_lines(store, order_id, body.get("items"))
    with store.lock:
        if row is None:
            values.setdefault("order_id", order_id)
            values.setdefault("shipped_at", store.face.local_midnight(store.now_ms()))
            if not values.get("shipment_name"):
                count = len(store.child_rows("orders", "order_shipments", order_id))
                values["shipment_name"] = str(count + 1)
            _check_totals(store, order_id, None, lines)
            row = store.insert(table.name, values, given_id(store.answers, table, sid))
            status = 201
        else:
            _check_totals(store, order_id, table.ids[row], lines, replace="items" in body)
            if not store.update(table.name, row, values):
                store.touch(table.name, row)
            status = 200
        shipment_id = table.ids[row]
        _apply_lines(store, shipment_id, lines, replace=status == 200 and "items" in body)
    store.emit("OrderUpdated", "orders", order_id)
    return status, get_one(store, table, shipment_id, {"expand": "items"})


_TRACKING_SPLIT = re.compile(r"[\s,;|]+")


def _tracking(text: str, store: DataStore) -> str:
    """Several tracking numbers as the store keeps them: joined by its `tracking_separator`
    answer, whatever separator the client sent (the field is one string; docs are silent)."""
    numbers = [n for n in _TRACKING_SPLIT.split(text) if n]
    return store.answers.tracking_separator.join(numbers)


def _shipment_lines(store: DataStore, order_id: int, items: Any) -> dict[int, int]:
    """Body `items` -> {order item id: quantity_shipped}; ids or item_nr within the order."""
    if items is None:
        return {}
    if not isinstance(items, list):
        raise ApiError(409, "Validation failed: items must be a list")
    order_items = store.tables["order_items"]
    rows = store.child_rows("orders", "order_items", order_id)
    by_id = {order_items.ids[r]: r for r in rows}
    by_nr = {order_items.get(r, "item_number").casefold(): order_items.ids[r] for r in rows}
    out: dict[int, int] = {}
    for entry in items:
        if not isinstance(entry, dict):
            raise ApiError(409, "Validation failed: each item must be an object")
        item_id = entry.get("id")
        if item_id is None and isinstance(entry.get("item_nr"), str):
            item_id = by_nr.get(entry["item_nr"].casefold())
        if not isinstance(item_id, int) or isinstance(item_id, bool) or item_id not in by_id:
            raise ApiError(
                409, f"Validation failed: order item {item_id} is not on order {order_id}"
            )
        qty = entry.get("quantity_shipped", order_items.get(by_id[item_id], "quantity"))
        if isinstance(qty, bool) or not isinstance(qty, int) or qty < 0:
            raise ApiError(409, "Validation failed: quantity_shipped must be a whole number >= 0")
        out[item_id] = qty
    return out


def shipped_by_item(
    store: DataStore,
    order_id: int,
    *,
    leave_out: Callable[[int, int], bool] | None = None,
) -> dict[int, int]:
    """Quantity shipped per order item over the order's shipments; `leave_out(shipment id,
    item id)` skips the shipment lines an upsert is about to give way."""
    links = store.tables["shipment_items"]
    shipped: dict[int, int] = {}
    for srow in store.child_rows("orders", "order_shipments", order_id):
        sid = store.tables["order_shipments"].ids[srow]
        for lrow in store.child_rows("order_shipments", "shipment_items", sid):
            item = links.get(lrow, "order_item_id")
            if leave_out is not None and leave_out(sid, item):
                continue
            shipped[item] = shipped.get(item, 0) + links.get(lrow, "quantity_shipped")
    return shipped


def _check_totals(
    store: DataStore,
    order_id: int,
    shipment_id: int | None,
    lines: dict[int, int],
    *,
    replace: bool = False,
) -> None:
    if not lines or store.answers.over_shipping == "accept":
        return
    # Under the "replace" answer the shipment's own lines all give way to the body's.
    replacing = replace and store.answers.shipment_items == "replace"
    shipped = shipped_by_item(
        store,
        order_id,
        leave_out=lambda sid, item: sid == shipment_id and (item in lines or replacing),
    )
    items = store.tables["order_items"]
    for item_id, qty in lines.items():
        irow = items.row_of(item_id)
        ordered = items.get(irow, "quantity") if irow is not None else 0
        if shipped.get(item_id, 0) + qty > ordered:
            raise ApiError(
                409,
                f"Validation failed: shipping {qty} of order item {item_id} "
                f"exceeds the {ordered - shipped.get(item_id, 0)} left to ship",
            )


def _apply_lines(
    store: DataStore, shipment_id: int, lines: dict[int, int], *, replace: bool = False
) -> None:
    """Merge `lines` into the shipment's items (or, under the `shipment_items` answer
    "replace", make them the shipment's items); announces newly shipped quantities."""
    links = store.tables["shipment_items"]
    added: dict[int, int] = {}
    current = {
        links.get(r, "order_item_id"): r
        for r in store.child_rows("order_shipments", "shipment_items", shipment_id)
    }
    if replace and store.answers.shipment_items == "replace":
        for item_id, gone in list(current.items()):
            if item_id not in lines:
                store.delete("shipment_items", gone)
                del current[item_id]
    for item_id, qty in lines.items():
        lrow = current.get(item_id)
        before = 0 if lrow is None else links.get(lrow, "quantity_shipped")
        if lrow is None and qty > 0:
            store.insert(
                "shipment_items",
                {"shipment_id": shipment_id, "order_item_id": item_id, "quantity_shipped": qty},
            )
        elif lrow is not None and qty == 0:
            store.delete("shipment_items", lrow)
        elif lrow is not None:
            store.update("shipment_items", lrow, {"quantity_shipped": qty})
        if qty > before:
            added[item_id] = qty - before
    if added:
        store.emit("_ItemsShipped", "order_shipments", shipment_id, lines=added)
