"""orders.pull's check: every Cart.com order updated in the window is in the hub, up to date.

orders.pull keeps one hub order per Cart.com order, keyed by the Cart.com id, and maps the
order's `updated_at` into the data (`extOrderUpdatedAt`, a query column): any change to it is a
change of content, so the hub's copy is current exactly when that time is not older than the
store's. One listing call per 250 orders and one hub query per page; nothing else.
"""

from __future__ import annotations

from datetime import datetime

from orderhub.connectors.cartcom.client import CartcomClient
from orderhub.connectors.cartcom.verify.listing import Listed, walk_listing
from orderhub.connectors.completeness import (
    CheckWindow,
    FlowCheck,
    Gap,
    GapKind,
    HubHoldings,
)
from orderhub.store.entities import EntityKind

__all__ = ["ORDER_FIELDS", "check_orders"]

ORDER_FIELDS = "id,order_number,updated_at"
_ENTITY = EntityKind.ORDER.value


def check_orders(client: CartcomClient, hub: HubHoldings, window: CheckWindow) -> FlowCheck:
    """Compare the store's orders of the window with the hub's, a page at a time."""
    result = FlowCheck()
    for page in walk_listing(client, "orders", fields=ORDER_FIELDS, window=window):
        held = hub.versions(EntityKind.ORDER, [str(order.id) for order in page])
        for order in page:
            result.checked += 1
            ext_id = str(order.id)
            copy = held.get(ext_id)
            if copy is None:
                result.add(_gap("missing", order))
            elif copy.ext_updated_at is None or copy.ext_updated_at < order.updated_at:
                result.add(_gap("stale", order, held_at=copy.ext_updated_at))
    return result


def _gap(kind: GapKind, order: Listed, *, held_at: datetime | None = None) -> Gap:
    number = order.raw.get("order_number")
    shown = str(number).strip() if isinstance(number, str | int) else ""
    return Gap(
        kind=kind,
        entity_type=_ENTITY,
        ext_id=str(order.id),
        record=str(order.id),
        label=f"order {shown}" if shown else f"order id {order.id}",
        seen_at=order.updated_at,
        held_at=held_at,
    )
