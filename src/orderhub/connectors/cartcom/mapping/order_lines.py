"""A Cart.com order's items to the hub order's line items.

Discount lines (`is_discount_item`) are not goods to ship: `line_items` folds their amount
(`|price x quantity|`) into one sum the order adds to `orderDiscount`. Kit children
(`parent_order_item_id` set) stay lines of their own. A line's SKU is `item_number_full`, else
`item_number`; a line whose product has no item number gets the stand-in
`cartcom-product-<product id>` (the order is then tagged for review). `shippedQuantity` is
summed from the shipments' items when they came expanded with their items, else unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from orderhub.connectors.cartcom.mapping.common import (
    INVALID_RECORD,
    MISSING_ITEMS,
    MISSING_SKU,
    MappingError,
    as_bool,
    as_int,
    as_mapping,
    as_money,
    as_optional_list,
    as_text,
    build_model,
    foreign_key,
    required_money,
)
from orderhub.domain.order import LineItem

__all__ = ["MISSING_SKU_PREFIX", "line_items"]

MISSING_SKU_PREFIX = "cartcom-product-"
"""Stand-in SKU of a line whose product has no item number: the Cart.com product id follows."""


def line_items(order: Mapping[str, Any]) -> tuple[list[LineItem], Decimal | None]:
    """The shippable lines, and the summed magnitude of the discount lines (`None` if none)."""
    items = as_optional_list(order.get("items"), "items")
    if not items:
        raise MappingError(
            MISSING_ITEMS, "order has no items (an order without lines is malformed)"
        )
    shipped = _shipped_quantities(order)
    lines: list[LineItem] = []
    folded: Decimal | None = None
    for index, raw in enumerate(items):
        item = as_mapping(raw, f"items[{index}]")
        item_id = foreign_key(item.get("id"), f"items[{index}].id")
        if item_id is None:
            raise MappingError(INVALID_RECORD, f"items[{index}] has no id")
        where = f"item {item_id}"
        price = required_money(item.get("price"), f"{where}: price")
        quantity = as_int(item.get("quantity"), f"{where}: quantity")
        if quantity is None:
            raise MappingError(INVALID_RECORD, f"{where}: quantity is missing (null)")
        if quantity < 0:
            raise MappingError(
                INVALID_RECORD, f"{where}: quantity must be 0 or more, got {quantity}"
            )
        if as_bool(item.get("is_discount_item"), f"{where}: is_discount_item"):
            folded = (folded or Decimal(0)) + abs(price * quantity)
            continue
        lines.append(_line_item(item, item_id, where, price, quantity, shipped))
    if not lines:
        raise MappingError(MISSING_ITEMS, "order has only discount lines, nothing to fulfil")
    return lines, folded


def _line_item(
    item: Mapping[str, Any],
    item_id: int,
    where: str,
    price: Decimal,
    quantity: int,
    shipped: Mapping[int, int] | None,
) -> LineItem:
    product_id = foreign_key(item.get("product_id"), f"{where}: product_id")
    non_shipping = as_bool(item.get("is_non_shipping_item"), f"{where}: is_non_shipping_item")
    return build_model(
        LineItem,
        where,
        unique_id=str(item_id),
        sku=_sku(item, where),
        name=as_text(item.get("item_name"), f"{where}: item_name"),
        quantity=quantity,
        item_price=price,
        item_discount=as_money(item.get("discount_amount"), f"{where}: discount_amount"),
        item_tax=as_money(item.get("tax"), f"{where}: tax"),
        requires_shipping=not non_shipping,
        taxable=as_bool(item.get("is_taxable"), f"{where}: is_taxable", default=True),
        variant_description=_variant_description(item, where),
        ext_product_api_id=str(product_id) if product_id is not None else None,
        shipped_quantity=None if shipped is None else shipped.get(item_id, 0),
    )


def _sku(item: Mapping[str, Any], where: str) -> str:
    """`item_number_full` (SKU plus variant extensions), else `item_number`.

    An order item carries no other SKU: its `variants` hold only id, description and group.
    """
    base = as_text(item.get("item_number"), f"{where}: item_number")
    full = as_text(item.get("item_number_full"), f"{where}: item_number_full")
    if base is not None:
        return full or base
    # Without a base item number, `item_number_full` is only the variant extensions
    # (e.g. "-BL-S"): not a SKU anyone can match, so it is no better than none.
    # Cart.com lets a product have no item number, and the order line keeps that snapshot, so
    # refusing the order would strand a real sale that fixing the product cannot repair. The
    # line gets a stable stand-in naming the product, and the order is tagged for review.
    product_id = foreign_key(item.get("product_id"), f"{where}: product_id")
    if product_id is not None:
        return f"{MISSING_SKU_PREFIX}{product_id}"
    raise MappingError(
        MISSING_SKU,
        f"{where}: no SKU (item_number_full and item_number are empty) and no product_id",
    )


def _variant_description(item: Mapping[str, Any], where: str) -> str | None:
    variants = as_optional_list(item.get("variants"), f"{where}: variants") or []
    parts = [
        as_text(
            as_mapping(variant, f"{where}: variants[{i}]").get("description"), f"{where}: variant"
        )
        for i, variant in enumerate(variants)
    ]
    return ", ".join(part for part in parts if part) or None


def _shipped_quantities(order: Mapping[str, Any]) -> dict[int, int] | None:
    """Quantity shipped per order item id; `None` if shipments or their items weren't expanded."""
    shipments = as_optional_list(order.get("shipments"), "shipments")
    if shipments is None:
        return None
    totals: dict[int, int] = {}
    for s_index, raw in enumerate(shipments):
        shipment = as_mapping(raw, f"shipments[{s_index}]")
        items = as_optional_list(shipment.get("items"), f"shipments[{s_index}].items")
        if items is None:
            return None
        for i_index, raw_item in enumerate(items):
            where = f"shipments[{s_index}].items[{i_index}]"
            entry = as_mapping(raw_item, where)
            item_id = foreign_key(entry.get("id"), f"{where}.id")
            count = as_int(entry.get("quantity_shipped"), f"{where}.quantity_shipped") or 0
            if item_id is not None:
                totals[item_id] = totals.get(item_id, 0) + count
    return totals
