"""Cart.com's webhook events: which flow each one wakes, and what a delivery names.

API-NOTES §11 lists the events. An event is a hint, never the data: it makes the matching
pull flow due, and the run reads by its cursor as always, so the only thing read from a body
is the id of the record it names (kept in the inbox to answer "was this change announced?").

Cart.com's bodies do not say which event they are (`{"order": …}` serves ten events), so the
hub subscribes each event to its own URL: the delivery URL with `?event=<EventType>`. A
delivery without that parameter (a subscription made by hand) is read by the shape of its
body instead; either way an event the hub does not know is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from orderhub.connectors.webhooks import Announcement, UnknownEvent, hooks_prefix
from orderhub.domain import FlowName

__all__ = [
    "EVENT_FLOWS",
    "EVENT_PARAM",
    "FLOW_EVENTS",
    "HOOK_PATH",
    "WATCHED_FLOWS",
    "Announcement",
    "UnknownEvent",
    "delivery_url",
    "hook_path",
    "read_delivery",
]

HOOK_PATH = hooks_prefix("cartcom")
"""Where the hub receives Cart.com deliveries: `{HOOK_PATH}/{integration_id}/{secret}`."""
EVENT_PARAM = "event"

_ORDERS = FlowName.ORDERS_PULL
_PRODUCTS = FlowName.PRODUCTS_PULL

EVENT_FLOWS: Mapping[str, FlowName | None] = {
    "NewOrder": _ORDERS,
    "NewValidOrder": _ORDERS,
    "OrderPlaced": _ORDERS,
    "OrderApproved": _ORDERS,
    "OrderUpdated": _ORDERS,
    "OrderStatusChanged": _ORDERS,
    "OrderShipped": _ORDERS,
    "OrderCanceled": _ORDERS,
    "OrderDeclined": _ORDERS,
    "PaymentProcessed": _ORDERS,
    "ProductCreated": _PRODUCTS,
    "ProductUpdated": _PRODUCTS,
    "ProductStatusChanged": _PRODUCTS,
    # Kept in the inbox, but no flow pulls customers on their own: orders.pull brings an
    # order's customer with the order.
    "CustomerCreated": None,
    "CustomerUpdated": None,
}
"""Every event the hub accepts, and the pull flow it makes due (None: none)."""

FLOW_EVENTS: Mapping[FlowName, tuple[str, ...]] = {
    flow: tuple(event for event, target in EVENT_FLOWS.items() if target is flow)
    for flow in (_ORDERS, _PRODUCTS)
}
"""The events each flow subscribes: all of its documented ones. Several announce the same
change (NewOrder, NewValidOrder and OrderPlaced for one order), which costs nothing — a burst
is one run — and keeps the flow woken if Cart.com leaves one of them out."""

WATCHED_FLOWS: tuple[FlowName, ...] = tuple(FLOW_EVENTS)
"""The flows webhooks can wake; the others run on their interval or on hub changes."""

_BY_FOLDED = {event.casefold(): event for event in EVENT_FLOWS}
_MAX_ID = 2**63 - 1


def hook_path(integration_id: str, secret: str) -> str:
    return f"{HOOK_PATH}/{quote(integration_id, safe='')}/{quote(secret, safe='')}"


def delivery_url(public_url: str, integration_id: str, secret: str, event_type: str) -> str:
    """The URL one event of one integration is subscribed to."""
    event = _BY_FOLDED.get(event_type.casefold())
    if event is None:
        raise UnknownEvent(f"{event_type!r} is not a Cart.com event the hub knows")
    return f"{public_url}{hook_path(integration_id, secret)}?{EVENT_PARAM}={event}"


def read_delivery(event_param: str | None, payload: Any) -> Announcement:
    """The announcement in one delivery; `UnknownEvent` if it names no event the hub knows.

    A body of an unexpected shape for a known event is still an announcement (with no id):
    the event alone is enough to wake the flow.
    """
    if event_param is not None:
        event = _BY_FOLDED.get(event_param.strip().casefold())
        if event is None:
            raise UnknownEvent(f"Unknown Cart.com event {event_param[:64]!r}")
    else:
        event = _event_by_shape(payload)
    return Announcement(event, EVENT_FLOWS[event], _named_id(event, payload))


def _event_by_shape(payload: Any) -> str:
    if isinstance(payload, dict):
        if "order" in payload:
            return "OrderStatusChanged" if "new_status" in payload else "OrderUpdated"
        for key, event in (
            ("order_payment", "PaymentProcessed"),
            ("product", "ProductUpdated"),
            ("item", "ProductStatusChanged"),
            ("customer", "CustomerUpdated"),
        ):
            if key in payload:
                return event
    raise UnknownEvent(
        f"The delivery names no event (no ?{EVENT_PARAM}= and no order, product or customer)"
    )


def _named_id(event: str, payload: Any) -> str | None:
    if not isinstance(payload, dict):
        return None
    if event == "PaymentProcessed":
        return _id(_member(payload, "order_payment").get("order_id"))
    if event == "ProductStatusChanged":
        item = _member(payload, "item")
        return _id(item.get("product_id")) or _id(_member(item, "product").get("id"))
    flow = EVENT_FLOWS[event]
    key = "order" if flow is _ORDERS else "product" if flow is _PRODUCTS else "customer"
    return _id(_member(payload, key).get("id"))


def _member(payload: dict[str, Any], key: str) -> dict[str, Any]:
    value = payload.get(key)
    return value if isinstance(value, dict) else {}


def _id(value: Any) -> str | None:
    """A Cart.com id (a positive integer, maybe as digits); anything else is no id."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 19):
            return None
        value = int(text)
    if isinstance(value, int) and 0 < value <= _MAX_ID:
        return str(value)
    return None
