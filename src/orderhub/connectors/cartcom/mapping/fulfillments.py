"""A hub fulfillment to a Cart.com `order_shipments` body, and the order status that follows.

Pure: fulfillments.push reads the hub records and the Cart.com order and shipments, and passes
them in. Decisions a reader should know (API-NOTES §10 order_shipments, §15 recipe C, §17 q7):

- `shipment_name` is `OH-<fulfillmentId>`: derived from the hub id alone, so a retry after a
  crash finds the shipment it may already have made (Cart.com matches names
  case-insensitively within an order; hub ids are lowercase hex, so that cannot collide).
- Items are Cart.com order item ids (the hub line's `uniqueId`, which orders.pull sets to the
  order item id) with `quantity_shipped`; two fulfillment lines of one item are added up.
- `tracking_numbers` is one string on Cart.com: several numbers are joined with a comma and
  no space (`1Z001,1Z002`), the form carriers' tracking pages and Cart.com's own admin accept
  for a list; the API does not document a separator. Read back, any separator a store may
  use instead (`, `, `;`, a line break, a space, `|`) splits the numbers
  (`split_tracking_numbers`), and they are compared as numbers, not as text, so a store that
  rewrites the list is not a difference to write again.
- A shipment's items are compared without lines of quantity 0: a store that replaces items
  (instead of merging them) may keep the `quantity_shipped: 0` we send to remove a line.
- The shipping method is not set here: the hub's carrier and service (`shippingCarrier`,
  `shippingClass`) are matched to one of the store's methods by `shipping_methods.resolve`,
  which needs the store's method list, and the writer adds `method_fields` to the body.
- `shipped_at` is the fulfillment's `actualShipDate` (else its creation time) in UTC with a
  `Z`, to the whole second: Cart.com keeps times on a ~3 ms grid, so a finer value would not
  read back equal and a re-run would see a difference that is not there.
- Fields the hub leaves empty are not sent, so Cart.com's own defaults (today's date,
  provider from a known method) stay.

Status: an order whose shippable items (not discount lines, not `is_non_shipping_item`) are all
shipped, counting every shipment on the Cart.com order, goes to the store's shipped status,
otherwise (something shipped) to its partially-shipped status, both found by flags
(`StatusBook`). Nothing moves an order that is already there, that is cancelled or refunded
(a merchant's decision a shipment does not undo), or from shipped back to partially shipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final

from orderhub.connectors.cartcom.mapping.common import (
    INVALID_RECORD,
    MappingError,
    as_bool,
    as_int,
    plain_id,
)
from orderhub.connectors.cartcom.mapping.statuses import StatusBook
from orderhub.connectors.cartcom.timestamps import parse_cartcom_time
from orderhub.domain.fulfillment import Fulfillment
from orderhub.domain.order import Order, OrderStatus

__all__ = [
    "SHIPMENT_FIELDS",
    "SHIPMENT_NAME_PREFIX",
    "TRACKING_SEPARATOR",
    "UNKNOWN_LINE",
    "ShippingState",
    "map_fulfillment",
    "order_item_quantities",
    "shipment_items",
    "shipment_name",
    "shipment_update",
    "shipped_quantities",
    "shipping_state",
    "split_tracking_numbers",
    "status_to_set",
]

SHIPMENT_NAME_PREFIX: Final = "OH-"
TRACKING_SEPARATOR: Final = ","
UNKNOWN_LINE: Final = "unknownLine"
"""Exception tag: a fulfillment line names no line of its order."""

SHIPMENT_FIELDS: Final = (
    "id,order_id,shipment_name,shipped_at,tracking_numbers,tracking_url,"
    "shipping_method,shipping_method_id,shipping_method_type,shipping_provider_name,items"
)
"""What fulfillments.push reads of existing shipments (`items` also expands them)."""

# Body fields compared with an existing shipment; `items`, `shipped_at` and `tracking_numbers`
# have their own rules.
_TEXT_FIELDS: Final = (
    "tracking_url",
    "shipping_method",
    "shipping_method_type",
    "shipping_provider_name",
)


class ShippingState(StrEnum):
    NONE = "none"
    PARTIAL = "partial"
    FULL = "full"


def shipment_name(fulfillment_id: str) -> str:
    """The Cart.com `shipment_name` of a hub fulfillment: `OH-<fulfillmentId>`."""
    if not fulfillment_id:
        raise ValueError("a shipment name needs the hub fulfillment id")
    return f"{SHIPMENT_NAME_PREFIX}{fulfillment_id}"


def map_fulfillment(fulfillment: Fulfillment, order: Order) -> dict[str, Any]:
    """The `POST /order_shipments` body for `fulfillment` of the hub `order` (from Cart.com).

    Raises `MappingError` when the fulfillment has no hub id, the order no Cart.com id, or a
    line matches no line of the order (`unknownLine`).
    """
    if not fulfillment.fulfillment_id:
        raise MappingError(INVALID_RECORD, "the fulfillment has no fulfillmentId yet")
    order_id = _cartcom_id(order.ext_order_api_id)
    if order_id is None:
        raise MappingError(
            INVALID_RECORD,
            f"order {order.ext_order_id} has no Cart.com order id "
            f"(extOrderApiId {order.ext_order_api_id!r})",
        )
    items: dict[int, int] = {}
    for line in fulfillment.line_items:
        item_id = _order_item_id(line.unique_id, line.sku, order)
        items[item_id] = items.get(item_id, 0) + line.quantity
    if not items:
        raise MappingError(INVALID_RECORD, "the fulfillment has no lines")
    body: dict[str, Any] = {
        "order_id": order_id,
        "shipment_name": shipment_name(fulfillment.fulfillment_id),
        "items": [{"id": item, "quantity_shipped": qty} for item, qty in items.items()],
    }
    shipped_at = fulfillment.actual_ship_date or fulfillment.created_at
    if shipped_at is not None:
        body["shipped_at"] = _utc_seconds(shipped_at)
    # One hub entry holding several numbers ("1Z001; 1Z002") is several numbers.
    numbers = [n for entry in fulfillment.tracking_numbers for n in split_tracking_numbers(entry)]
    optional = {
        "tracking_numbers": TRACKING_SEPARATOR.join(dict.fromkeys(numbers)) or None,
        "tracking_url": fulfillment.tracking_url,
    }
    body.update({key: value.strip() for key, value in optional.items() if value and value.strip()})
    return body


def _order_item_id(unique_id: str | None, sku: str, order: Order) -> int:
    number = f"#{order.ext_order_id}"
    if unique_id is not None:
        line = next((line for line in order.line_items if line.unique_id == unique_id), None)
        item_id = _cartcom_id(unique_id)
        if line is None or item_id is None:
            raise MappingError(
                UNKNOWN_LINE, f"line {unique_id} ({sku}) is not a line of order {number}"
            )
        return item_id
    matches = [line for line in order.line_items if line.sku == sku]
    if not matches:
        raise MappingError(UNKNOWN_LINE, f"SKU {sku} is not on order {number}")
    if len(matches) > 1:
        raise MappingError(
            UNKNOWN_LINE,
            f"SKU {sku} is on {len(matches)} lines of order {number}; "
            "the fulfillment line must name its line (uniqueId)",
        )
    item_id = _cartcom_id(matches[0].unique_id)
    if item_id is None:
        raise MappingError(UNKNOWN_LINE, f"line {matches[0].unique_id} has no Cart.com item id")
    return item_id


def _cartcom_id(text: str | None) -> int | None:
    if text is None or not text.strip().isdigit():
        return None
    value = int(text.strip())
    return value if value > 0 else None


def _utc_seconds(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- existing shipments -------------------------------------------------------------------------


def shipment_items(shipment: Mapping[str, Any]) -> dict[int, int]:
    """A Cart.com shipment's `items` as {order item id: quantity shipped}; lenient."""
    items = shipment.get("items")
    found: dict[int, int] = {}
    if not isinstance(items, list):
        return found
    for item in items:
        if not isinstance(item, Mapping):
            continue
        item_id = plain_id(item.get("id"))
        quantity = item.get("quantity_shipped")
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            continue
        # A 0 line ships nothing (a store that replaces items may keep one we sent).
        if item_id is not None and quantity:
            found[item_id] = found.get(item_id, 0) + quantity
    return found


_TRACKING_SEPARATORS: Final = re.compile(r"[\s,;|]+")


def split_tracking_numbers(text: object) -> list[str]:
    """The tracking numbers in Cart.com's one `tracking_numbers` string, whatever joins them
    (comma, semicolon, line break, space or `|`: the docs name no separator); in order,
    without repeats."""
    if not isinstance(text, str):
        return []
    return list(dict.fromkeys(n for n in _TRACKING_SEPARATORS.split(text) if n))


def shipment_update(existing: Mapping[str, Any], body: Mapping[str, Any]) -> dict[str, Any] | None:
    """The POST body that brings `existing` in line with `body`, or `None` if it already is.

    Only what the hub sends is compared (a provider Cart.com filled in from the method is not
    a difference). Items on the shipment that the fulfillment does not have are sent with
    `quantity_shipped: 0`, which removes them (Cart.com merges items by order item id).
    """
    wanted = {int(item["id"]): int(item["quantity_shipped"]) for item in body.get("items", [])}
    held = shipment_items(existing)
    differs = held != wanted
    for field in _TEXT_FIELDS:
        if field in body and _text(existing.get(field)) != body[field]:
            differs = True
    if "tracking_numbers" in body and split_tracking_numbers(
        existing.get("tracking_numbers")
    ) != split_tracking_numbers(body["tracking_numbers"]):
        differs = True
    if "shipped_at" in body and _seconds(existing.get("shipped_at")) != body["shipped_at"]:
        differs = True
    if "shipping_method_id" in body and plain_id(existing.get("shipping_method_id")) != body.get(
        "shipping_method_id"
    ):
        differs = True
    if not differs:
        return None
    update = {**body, "id": existing.get("id")}
    update["items"] = [
        *body.get("items", []),
        *({"id": item, "quantity_shipped": 0} for item in held if item not in wanted),
    ]
    return update


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _seconds(value: object) -> str | None:
    try:
        parsed = parse_cartcom_time(value)
    except ValueError:
        return None
    return _utc_seconds(parsed) if parsed is not None else None


# --- order status -------------------------------------------------------------------------------


def shipped_quantities(shipments: Iterable[Mapping[str, Any]]) -> dict[int, int]:
    """{order item id: quantity shipped} summed over an order's shipments."""
    total: dict[int, int] = {}
    for shipment in shipments:
        for item, quantity in shipment_items(shipment).items():
            total[item] = total.get(item, 0) + quantity
    return total


def order_item_quantities(order: Mapping[str, Any]) -> dict[int, int]:
    """{order item id: quantity} of a Cart.com order's (expanded) items that need shipping.

    Discount lines and items flagged `is_non_shipping_item` are left out; a malformed item
    raises `MappingError` naming it.
    """
    items = order.get("items")
    if not isinstance(items, list):
        raise MappingError(INVALID_RECORD, f"Cart.com order {order.get('id')} came without items")
    quantities: dict[int, int] = {}
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise MappingError(INVALID_RECORD, f"items[{index}] must be a JSON object")
        item_id = plain_id(item.get("id"))
        if item_id is None:
            raise MappingError(INVALID_RECORD, f"items[{index}] has no id")
        where = f"order item {item_id}"
        if as_bool(item.get("is_discount_item"), f"{where}: is_discount_item") or as_bool(
            item.get("is_non_shipping_item"), f"{where}: is_non_shipping_item"
        ):
            continue
        quantities[item_id] = as_int(item.get("quantity"), f"{where}: quantity") or 0
    return quantities


def shipping_state(quantities: Mapping[int, int], shipped: Mapping[int, int]) -> ShippingState:
    """FULL when every item with a quantity is shipped in full, PARTIAL when some is shipped."""
    due = {item: qty for item, qty in quantities.items() if qty > 0}
    if not any(shipped.get(item, 0) > 0 for item in due):
        return ShippingState.NONE
    if all(shipped.get(item, 0) >= qty for item, qty in due.items()):
        return ShippingState.FULL
    return ShippingState.PARTIAL


_KEEP: Final = frozenset({OrderStatus.CANCELED, OrderStatus.REFUNDED})


def status_to_set(statuses: StatusBook, current: int | None, state: ShippingState) -> int | None:
    """The order status id to set after shipping, or `None` to leave the order as it is."""
    if state is ShippingState.NONE:
        return None
    target = (
        statuses.shipped_id() if state is ShippingState.FULL else statuses.partially_shipped_id()
    )
    if target is None or current == target:
        return None
    if current is not None:
        try:
            now = statuses.hub_status(current)
        except MappingError:  # a status the store added since the book was read: move it
            return target
        if now in _KEEP:
            return None
        if now is OrderStatus.FULFILLED and state is ShippingState.PARTIAL:
            return None
    return target
