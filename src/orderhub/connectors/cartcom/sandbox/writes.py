"""Writes: POST create-or-update, partial PUT, DELETE, order status and shipment upserts.

Status codes follow docs/common_usage.md (201 created, 200 updated, 204 deleted, 404 unknown id,
409 validation failure), not the spec's 200-only answers. Answers to the open questions we had
to decide (all listed in docs/sandbox.md):
- POST with an `id` that does not exist creates a record with a new id (the sent id is
  ignored), or with that id under the store's `unknown_id_post` answer `"given-id"`.
- A plain `PUT /orders/{id}` of `order_status_id` changes the status only; the side effects
  (previous status, `order_status_last_changed_at`, the OrderStatusChanged/OrderShipped
  webhooks) need `PUT /orders/{id}/status`.
- Shipment `items` merge by order item id (quantity 0 removes a line), or replace the
  shipment's items (`shipment_items` answer `"replace"`); the total shipped per order item may
  not exceed its quantity (409), unless the `over_shipping` answer is `"accept"`; a shipment
  never changes the order's status.
- `shipment_name` matches case-insensitively within the order (SQL Server collation).
"""

from __future__ import annotations

from typing import Any

from .datastore import DataStore
from .decode import decode_changes, given_id
from .errors import ApiError
from .listing import get_one
from .shipment_writes import upsert_shipment
from .table import Table
from .webhook_events import canonical_event, check_subscription, status_events

__all__ = ["create_or_update", "delete", "set_order_status", "update"]

_FK_CHECKS: dict[str, tuple[tuple[str, str], ...]] = {
    "orders": (
        ("customer_id", "customers"),
        ("order_status_id", "order_statuses"),
        ("order_billing_address_id", "order_addresses"),
        ("order_shipping_address_id", "order_addresses"),
    ),
    "order_items": (("order_id", "orders"),),
    "order_payments": (("order_id", "orders"),),
    "order_shipments": (("order_id", "orders"),),
    "product_variants": (("product_id", "products"), ("variant_group_id", "variant_groups")),
    "variant_inventory": (("product_id", "products"),),
    "products": (("primary_category_id", "categories"), ("manufacturer_id", "manufacturers")),
}
_REQUIRED_FKS = {("products", "primary_category_id")}
"""Foreign keys that must name a record (0 is no category; acapi.yaml requires one)."""
_NOW_ON_CREATE = {
    "customers": ("registered_at", "last_visit_at"),
    "orders": ("ordered_at", "order_status_last_changed_at"),
    "order_payments": ("paid_at",),
}


def _check_fks(store: DataStore, table: Table, values: dict[str, Any]) -> None:
    for field, target in _FK_CHECKS.get(table.name, ()):
        value = values.get(field)
        if target not in store.tables or field not in values:
            continue
        if value in (None, 0) and (table.name, field) not in _REQUIRED_FKS:
            continue
        if not isinstance(value, int):
            raise ApiError(409, f"Validation failed: {field} {value} does not exist")
        if store.tables[target].row_of(value) is None:
            raise ApiError(409, f"Validation failed: {field} {value} does not exist")


def _body(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object")
    return body


def create_or_update(store: DataStore, table: Table, body: Any) -> tuple[int, dict[str, Any]]:
    """POST /{res}: (201, created) or (200, updated) when the body names an existing id."""
    body = _body(body)
    if table.name == "order_shipments":
        return upsert_shipment(store, table, body)
    existing = body.get("id")
    if isinstance(existing, int) and not isinstance(existing, bool):
        row = table.row_of(existing)
        if row is not None:
            return 200, update(store, table, existing, body)
    values = decode_changes(table, body)
    missing = [f for f in table.spec.required if f not in values or values[f] in ("", None)]
    if missing:
        raise ApiError(409, f"Validation failed: {', '.join(missing)} is required")
    if table.name == "webhooks":
        check_subscription(body)
        values["event_type"] = canonical_event(values["event_type"])
    _check_fks(store, table, values)
    params: dict[str, str] = {}
    now = store.now_ms()
    for field in _NOW_ON_CREATE.get(table.name, ()):
        values.setdefault(field, now)
    if table.name == "variant_inventory":
        values.update(_combination(store, values["product_id"], body.get("variants")))
        params["expand"] = "variants"
    row = store.insert(table.name, values, given_id(store.answers, table, existing))
    _after_insert(store, table, row)
    return 201, get_one(store, table, table.ids[row], params)


def _combination(store: DataStore, product_id: int, variants: Any) -> dict[str, Any]:
    """A new variant_inventory row's option values: ids of the product's variants."""
    if not isinstance(variants, list) or not variants:
        raise ApiError(409, "Validation failed: variants is required")
    table = store.tables["product_variants"]
    groups = store.tables["variant_groups"]
    ids: list[int] = []
    parts: list[str] = []
    for entry in variants:
        vid = entry.get("id") if isinstance(entry, dict) else None
        row = table.row_of(vid) if isinstance(vid, int) and not isinstance(vid, bool) else None
        if row is None or table.get(row, "product_id") != product_id:
            raise ApiError(
                409, f"Validation failed: variant {vid} is not a variant of product {product_id}"
            )
        ids.append(table.ids[row])
        grow = groups.row_of(table.get(row, "variant_group_id"))
        group = groups.get(grow, "name").title() if grow is not None else "Option"
        parts.append(f"{group}: {table.get(row, 'description')}")
    return {"_variant_ids": tuple(ids), "description": ", ".join(parts)}


def update(store: DataStore, table: Table, record_id: int, body: Any) -> dict[str, Any]:
    """PUT /{res}/{id}: apply the sent fields; 404 when absent."""
    body = _body(body)
    row = table.row_of(record_id)
    if row is None:
        raise ApiError(404, "No resource found")
    if table.name == "order_shipments":
        _, result = upsert_shipment(store, table, dict(body, id=record_id))
        return result
    values = decode_changes(table, body)
    _check_fks(store, table, values)
    if table.name == "webhooks" and "event_type" in body:
        check_subscription(body)
        values["event_type"] = canonical_event(values["event_type"])
    before = {column: table.get(row, column) for column in _WATCHED.get(table.name, ())}
    if not store.update(table.name, row, values):
        store.touch(table.name, row)
    _after_update(store, table, row, before)
    return get_one(store, table, record_id, {})


def delete(store: DataStore, table: Table, record_id: int) -> None:
    row = table.row_of(record_id)
    if row is None:
        raise ApiError(404, "No resource found")
    store.delete(table.name, row)


def set_order_status(store: DataStore, order_id: int, body: Any) -> dict[str, Any]:
    """PUT /orders/{id}/status: the status change with its side effects."""
    body = _body(body)
    orders = store.tables["orders"]
    row = orders.row_of(order_id)
    if row is None:
        raise ApiError(404, "No resource found")
    status = body.get("order_status_id")
    if isinstance(status, bool) or not isinstance(status, int):
        raise ApiError(409, "Validation failed: order_status_id must be an integer")
    statuses = store.tables["order_statuses"]
    srow = statuses.row_of(status)
    if srow is None:
        raise ApiError(409, f"Validation failed: order_status_id {status} does not exist")
    old = orders.get(row, "order_status_id")
    if old != status:
        now = store.now_ms()
        store.update(
            "orders",
            row,
            {
                "order_status_id": status,
                "previous_order_status_id": old,
                "order_status_last_changed_at": now,
            },
        )
        store.emit("OrderStatusChanged", "orders", order_id, old_status=old, new_status=status)
        for event in status_events(statuses, statuses.row_of(old), srow):
            store.emit(event, "orders", order_id)
        store.emit("OrderUpdated", "orders", order_id)
    return get_one(store, orders, order_id, {})


def _after_insert(store: DataStore, table: Table, row: int) -> None:
    if table.name == "orders":
        _link_addresses(store, row)
        store.emit_new_order(table.ids[row])
    elif table.name == "products":
        store.emit("ProductCreated", "products", table.ids[row])
    elif table.name == "customers":
        store.emit("CustomerCreated", "customers", table.ids[row])
    elif table.name in ("order_items", "order_payments"):
        if table.name == "order_items":
            _link_line_address(store, row)
        store.emit("OrderUpdated", "orders", table.get(row, "order_id"))
        if table.name == "order_payments" and table.get(row, "is_approved"):
            store.emit("PaymentProcessed", "order_payments", table.ids[row])
    elif table.name in ("product_variants", "variant_inventory"):
        store.emit("ProductUpdated", "products", table.get(row, "product_id"))


def _after_update(store: DataStore, table: Table, row: int, before: dict[str, Any]) -> None:
    """The events of an update; `before`: the watched columns' values before it."""
    if table.name == "orders":
        _link_addresses(store, row)
        store.emit("OrderUpdated", "orders", table.ids[row])
    elif table.name == "products":
        store.emit("ProductUpdated", "products", table.ids[row])
    elif table.name == "customers":
        store.emit("CustomerUpdated", "customers", table.ids[row])
    elif table.name in ("order_items", "order_payments"):
        if table.name == "order_items":
            _link_line_address(store, row)
        store.emit("OrderUpdated", "orders", table.get(row, "order_id"))
    elif table.name in ("product_variants", "variant_inventory"):
        store.emit("ProductUpdated", "products", table.get(row, "product_id"))
    if table.name == "order_payments" and any(
        table.get(row, flag) and not before.get(flag) for flag in ("is_approved", "is_captured")
    ):
        store.emit("PaymentProcessed", "order_payments", table.ids[row])
    if "product_status_id" in before and table.get(row, "product_status_id") != before.get(
        "product_status_id"
    ):
        is_variant = table.name == "variant_inventory"
        product_id = table.get(row, "product_id") if is_variant else table.ids[row]
        variant_id = table.ids[row] if is_variant else None
        store.emit("ProductStatusChanged", "products", product_id, variant_inventory_id=variant_id)


_WATCHED = {
    "order_payments": ("is_approved", "is_captured"),
    "products": ("product_status_id",),
    "variant_inventory": ("product_status_id",),
}


def _link_addresses(store: DataStore, row: int) -> None:
    """Remember which order uses an address, so address edits bump that order."""
    orders = store.tables["orders"]
    addresses = store.tables["order_addresses"]
    for field in ("order_billing_address_id", "order_shipping_address_id"):
        arow = addresses.row_of(orders.get(row, field))
        if arow is not None and addresses.get(arow, "_order_id") != orders.ids[row]:
            addresses.set(arow, "_order_id", orders.ids[row])


def _link_line_address(store: DataStore, row: int) -> None:
    """A line's own ship-to address belongs to the line's order, too."""
    items = store.tables["order_items"]
    addresses = store.tables["order_addresses"]
    address_id = items.get(row, "order_shipping_address_id")
    arow = addresses.row_of(address_id) if isinstance(address_id, int) else None
    order_id = items.get(row, "order_id")
    if arow is not None and addresses.get(arow, "_order_id") != order_id:
        addresses.set(arow, "_order_id", order_id)
