"""The webhook event types Cart.com documents (API-NOTES §11), and when this store sends each.

Our answers where docs/webhooks.md is silent (docs/sandbox.md lists them):

| event | sent when |
|---|---|
| NewOrder, OrderPlaced | an order is created (API, checkout helper, live activity) |
| NewValidOrder | … and its status is neither cancelled nor declined |
| OrderUpdated | any change to an order or its items, payments, shipments |
| OrderStatusChanged | `PUT /orders/{id}/status` changes the status |
| OrderApproved | … from an open status (pending) to one that is not cancelled, declined or quote |
| OrderShipped / OrderCanceled / OrderDeclined | … to a shipped / cancelled / declined status |
| PaymentProcessed | a payment is created approved, or approved or captured later |
| ProductCreated / ProductUpdated | a product, its variants or its stock change |
| ProductStatusChanged | a product's or variant's `product_status_id` changes |
| CustomerCreated / CustomerUpdated | a customer is created (also by a new order) / changed |

Event kinds starting with `_` are the store's own, never delivered.
"""

from __future__ import annotations

from typing import Any

from .errors import ApiError
from .table import Table

__all__ = ["EVENT_TYPES", "canonical_event", "check_subscription", "status_events"]

EVENT_TYPES = (
    "NewOrder",
    "NewValidOrder",
    "OrderPlaced",
    "OrderApproved",
    "OrderUpdated",
    "OrderStatusChanged",
    "OrderShipped",
    "OrderCanceled",
    "OrderDeclined",
    "PaymentProcessed",
    "ProductCreated",
    "ProductUpdated",
    "ProductStatusChanged",
    "CustomerCreated",
    "CustomerUpdated",
)

_FOLDED = {event.casefold(): event for event in EVENT_TYPES}


def canonical_event(name: object) -> str | None:
    """The documented spelling of an event type (compared without case), or None."""
    return _FOLDED.get(name.strip().casefold()) if isinstance(name, str) else None


def check_subscription(body: dict[str, Any]) -> None:
    """A subscription must name a documented event (the docs' own curl sample misspells
    OrderPlaced as "OrderPlace": a store that kept it would never deliver anything)."""
    event = body.get("event_type")
    if canonical_event(event) is None:
        shown = str(event)[:64] if event is not None else "nothing"
        raise ApiError(400, f"Unknown event_type {shown!r}; one of {', '.join(EVENT_TYPES)}")


def status_events(statuses: Table, old: int | None, new: int) -> list[str]:
    """What a status change announces besides OrderStatusChanged (webhook_events.py)."""
    if statuses.get(new, "is_shipped"):
        return ["OrderShipped"]
    if statuses.get(new, "is_cancelled"):
        return ["OrderCanceled"]
    if statuses.get(new, "is_declined"):
        return ["OrderDeclined"]
    was_open = old is not None and statuses.get(old, "is_open")
    if was_open and not statuses.get(new, "is_open") and not statuses.get(new, "is_quote_status"):
        return ["OrderApproved"]
    return []
