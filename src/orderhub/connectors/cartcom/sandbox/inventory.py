"""`/inventory`: read, set, add and remove stock of one product or variant row at a time.

Answers to the open questions (docs/sandbox.md):
- One identifier is used, in this order of precedence: `variant_inventory_id`, `product_id`,
  `item_number`, `gtin`, `item_name`. `item_number`/`gtin`/`item_name` are looked up on variant
  rows first, then on products; two matches -> 409 (ambiguous), none -> 404.
- A product that keeps stock on variant rows (`use_variant_inventory`) has no product-level
  stock: addressing it by product -> 409 naming the variant rows to use.
- `set` refuses negative quantities (409); `remove` may take stock below zero (overselling).
- Whether a change moves the row's `updated_at` (and the product's, for a variant row) and
  fires ProductUpdated is the store's `inventory_touches_product` answer (`answers.py`; yes by
  default). No automatic product-status flips.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from .datastore import DataStore
from .errors import ApiError
from .parts import SandboxParts

__all__ = ["inventory_route"]

_IDENTIFIERS = ("variant_inventory_id", "product_id", "item_number", "gtin", "item_name")


Target = tuple[str, int]  # ("products" | "variant_inventory", row)


def _find(store: DataStore, ident: dict[str, Any]) -> Target:
    products = store.tables["products"]
    variants = store.tables["variant_inventory"]
    for key in _IDENTIFIERS:
        value = ident.get(key)
        if value is None or value == "":
            continue
        if key in ("variant_inventory_id", "product_id"):
            try:
                record_id = int(value)
            except (TypeError, ValueError):
                raise ApiError(400, f"'{key}' must be an integer") from None
            table = variants if key == "variant_inventory_id" else products
            row = table.row_of(record_id)
            if row is None:
                raise ApiError(404, "No inventory item found")
            return table.name, row
        text = str(value).casefold()
        column = {"item_number": "item_number", "gtin": "gtin", "item_name": "item_name"}[key]
        hits = [
            ("variant_inventory", r)
            for r in variants.iter_rows()
            if column != "item_name" and str(variants.get(r, column)).casefold() == text
        ]
        if not hits:
            hits = [
                ("products", r)
                for r in products.iter_rows()
                if str(products.get(r, column)).casefold() == text
            ]
        if len(hits) > 1:
            raise ApiError(409, f"{len(hits)} items have {key} '{value}'; use an id")
        if not hits:
            raise ApiError(404, "No inventory item found")
        return hits[0]
    raise ApiError(
        400, "One of product_id, variant_inventory_id, item_number, gtin or item_name is required"
    )


def _check_product_level(store: DataStore, target: Target) -> None:
    name, row = target
    products = store.tables["products"]
    if name == "products" and products.get(row, "use_variant_inventory"):
        pid = products.ids[row]
        rows = store.child_rows("products", "variant_inventory", pid)
        ids = ", ".join(str(store.tables["variant_inventory"].ids[r]) for r in rows[:10])
        raise ApiError(
            409,
            f"Product {pid} keeps stock on its variant inventory rows "
            f"({ids}); send variant_inventory_id",
        )


def _shape(store: DataStore, target: Target) -> dict[str, Any]:
    name, row = target
    products = store.tables["products"]
    if name == "variant_inventory":
        vi = store.tables["variant_inventory"]
        prow = products.row_of(vi.get(row, "product_id"))
        return {
            "product_id": vi.get(row, "product_id"),
            "variant_inventory_id": vi.ids[row],
            "item_number": vi.get(row, "item_number"),
            "item_name": products.get(prow, "item_name") if prow is not None else "",
            "gtin": vi.get(row, "gtin"),
            "quantity": vi.get(row, "inventory"),
        }
    return {
        "product_id": products.ids[row],
        "variant_inventory_id": None,
        "item_number": products.get(row, "item_number"),
        "item_name": products.get(row, "item_name"),
        "gtin": products.get(row, "gtin"),
        "quantity": products.get(row, "quantity_on_hand"),
    }


def change_stock(store: DataStore, target: Target, op: str, quantity: int) -> None:
    """Apply set/add/remove to a product or variant row; whether that moves `updated_at` and
    fires ProductUpdated is the store's `inventory_touches_product` answer."""
    name, row = target
    table = store.tables[name]
    column = "inventory" if name == "variant_inventory" else "quantity_on_hand"
    current = table.get(row, column)
    new = quantity if op == "set" else current + quantity if op == "add" else current - quantity
    if not store.answers.inventory_touches_product:
        store.update(name, row, {column: new}, bump=False)
        return
    if not store.update(name, row, {column: new}):
        store.touch(name, row)
    product_id = table.get(row, "product_id") if name == "variant_inventory" else table.ids[row]
    store.emit("ProductUpdated", "products", product_id)


def inventory_route(
    sb: SandboxParts, request: Request, method: str, parts: list[str], raw: bytes
) -> tuple[int, Any]:
    store = sb.store
    if parts == ["settings"]:
        if method == "PUT":
            sb.inventory_settings.update(_body(raw))
        elif method != "GET":
            raise ApiError(405, f"{method} is not supported on this path")
        return 200, dict(sb.inventory_settings.values)
    if not parts and method == "GET":
        target = _find(store, dict(request.query_params))
        _check_product_level(store, target)
        return 200, _shape(store, target)
    if len(parts) == 1 and parts[0] in ("set", "add", "remove") and method == "POST":
        body = _body(raw)
        quantity = body.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            raise ApiError(409, "Validation failed: quantity must be an integer")
        if quantity < 0:
            raise ApiError(409, "Validation failed: quantity must not be negative")
        target = _find(store, body)
        _check_product_level(store, target)
        change_stock(store, target, parts[0], quantity)
        return 200, _shape(store, target)
    raise ApiError(404, "No resource found")


def _body(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"The request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object")
    return body
