"""Webhook bodies, as API-NOTES §11 gives them: `{"order"}` (OrderStatusChanged adds
`old_status` and `new_status`, both order_status objects), `{"order_payment"}`,
`{"product"}`, `{"item": {product_id, variant_inventory_id, product_status_id, product,
variant_inventory, inventory, item_number}}` and `{"customer"}`.

Whether an order body includes its items is an open question (API-NOTES §17.12): both
answers are a switch (`include_items`, off by default: the order as `GET /orders/{id}`
without nested collections).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .render import Renderer

if TYPE_CHECKING:
    from .datastore import DataStore, Event

__all__ = ["payload"]


def payload(store: DataStore, event: Event, *, include_items: bool) -> dict[str, Any] | None:
    """The body of `event`, or None when its record is gone."""
    renderer = Renderer(store)
    table = store.tables[event.table]
    row = table.row_of(event.record_id)
    if row is None:
        return None
    if event.kind == "ProductStatusChanged":
        return {"item": _item(store, renderer, row, event.extra.get("variant_inventory_id"))}
    if event.table == "orders":
        expands = ["items"] if include_items else []
        body: dict[str, Any] = {"order": renderer.record("orders", row, None, expands)}
        if event.kind == "OrderStatusChanged":
            statuses = store.tables["order_statuses"]
            for name in ("old_status", "new_status"):
                srow = statuses.row_of(event.extra.get(name, 0))
                body[name] = (
                    None if srow is None else renderer.record("order_statuses", srow, None, [])
                )
        return body
    key = {"order_payments": "order_payment", "products": "product", "customers": "customer"}
    return {key.get(event.table, event.table): renderer.record(event.table, row, None, [])}


def _item(store: DataStore, renderer: Renderer, row: int, variant_id: Any) -> dict[str, Any]:
    products = store.tables["products"]
    product = renderer.record("products", row, None, [])
    variants = store.tables["variant_inventory"]
    vrow = variants.row_of(variant_id) if isinstance(variant_id, int) else None
    variant = None if vrow is None else renderer.record("variant_inventory", vrow, None, [])
    source = variant if variant is not None else product
    return {
        "product_id": products.ids[row],
        "variant_inventory_id": None if vrow is None else variants.ids[vrow],
        "product_status_id": source.get("product_status_id"),
        "product": product,
        "variant_inventory": variant,
        "inventory": source.get("inventory", source.get("quantity_on_hand")),
        "item_number": source.get("item_number"),
    }
