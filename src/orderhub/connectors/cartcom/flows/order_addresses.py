"""Which orders use an `order_addresses` record: the address names no order, so ask the orders.

Cart.com's `order_addresses` have no `order_id` (API-NOTES: addresses are reached only through
the order's `order_billing_address_id` / `order_shipping_address_id` and each line's
`order_shipping_address_id`). When an address changes in place and the store does not move its
order's `updated_at` (open question 4), orders.pull finds the change by walking the addresses by
their own `updated_at`, and then needs the orders to read again: one filtered list of orders
(billing OR shipping address among the changed ids), and — only for ids no order names at its
own level — one of order lines (a per-line ship-to). Ids go `CHUNK` to a call, which keeps the
query string short (two fields of ids) on a server whose URL length is not documented.
"""

from __future__ import annotations

from collections.abc import Sequence

from orderhub.connectors.cartcom.client import CartcomClient

__all__ = ["CHUNK", "orders_using_addresses"]

CHUNK = 50
ORDER_FIELDS = "id,order_billing_address_id,order_shipping_address_id"
LINE_FIELDS = "id,order_id,order_shipping_address_id"


def orders_using_addresses(
    client: CartcomClient, address_ids: Sequence[int]
) -> dict[int, set[int]]:
    """address id -> ids of the orders that use it (at the order's level or on a line).

    An address no order uses (made by a client that never placed its order) maps to nothing.
    """
    users: dict[int, set[int]] = {}
    wanted = sorted(set(address_ids))
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        ids = set(chunk)
        listed = " OR ".join(str(i) for i in chunk)
        # The docs' syntax: ids on one field joined by OR; a first value starting with `OR`
        # makes the two fields join with OR (`weight=OR+gt:3.5&length=gt:12`).
        orders = client.list_all(
            "orders",
            params={
                "order_billing_address_id": f"OR {listed}",
                "order_shipping_address_id": listed,
                "fields": ORDER_FIELDS,
            },
            page_size=250,
        )
        for order in orders:
            for field in ("order_billing_address_id", "order_shipping_address_id"):
                _note(users, ids, order.get(field), order.get("id"))
        on_lines = [i for i in chunk if i not in users]
        if not on_lines:
            continue
        lines = client.list_all(
            "order_items",
            params={
                "order_shipping_address_id": " OR ".join(str(i) for i in on_lines),
                "fields": LINE_FIELDS,
            },
            page_size=250,
        )
        for line in lines:
            _note(users, ids, line.get("order_shipping_address_id"), line.get("order_id"))
    return users


def _note(users: dict[int, set[int]], wanted: set[int], address: object, order: object) -> None:
    if (
        isinstance(address, int)
        and not isinstance(address, bool)
        and address in wanted
        and isinstance(order, int)
        and not isinstance(order, bool)
    ):
        users.setdefault(address, set()).add(order)
