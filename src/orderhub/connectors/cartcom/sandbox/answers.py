"""Open-question switches: one per question the Cart.com docs leave open, one value per answer.

Where the docs are silent (API-NOTES §17), a real store may answer either way, so the sandbox
offers each plausible answer and the connector is tested under every one
(`tests/reliability/test_open_answers*.py`). The defaults, and why, are in docs/sandbox.md.

- `order_children_touch_order` (False, True): do changes to an order's items, payments,
  shipments or addresses move the order's `updated_at`?
- `inventory_touches_product` (True, False): do `/inventory` writes move the product's (or
  variant row's) `updated_at`, and fire ProductUpdated?
- `missing_scope_status` (403, 401): the status for a token without the scope a call needs.
- `retry_after_as` ("seconds", "http-date"; "garbage" is a fault, not an answer).
- `shipment_items` ("merge", "replace"): does a shipment upsert merge items by order item?
- `over_shipping` ("refuse", "accept"): is shipping more than is left a 409, or stored?
- `unknown_id_post` ("new-id", "given-id"): POST with an `id` no record has.
- `tracking_separator` (",", ", ", ";", a line break, " "): how the store keeps several
  tracking numbers (whatever separator a client sent).
- `timezone` (an IANA name; "America/Chicago") and `timestamps_in_utc` (False, True).

The last two live on the store's clock face (`store_time.py`) and `order_children_touch_order`
on the data store; they are listed here so one place names every answer.
"""

from __future__ import annotations

import threading
from typing import Any, Final, Protocol

from .store_time import StoreTime

__all__ = ["CHOICES", "AnswerHolder", "Answers"]

CHOICES: Final[dict[str, tuple[Any, ...]]] = {
    "order_children_touch_order": (False, True),
    "inventory_touches_product": (True, False),
    "missing_scope_status": (403, 401),
    "retry_after_as": ("seconds", "http-date", "garbage"),
    "shipment_items": ("merge", "replace"),
    "over_shipping": ("refuse", "accept"),
    "unknown_id_post": ("new-id", "given-id"),
    "tracking_separator": (",", ", ", ";", "\n", " "),
    "timestamps_in_utc": (False, True),
}
"""Each switch's values, the default first. `timezone` takes any IANA name."""


class AnswerHolder(Protocol):
    """Where two answers live (the `DataStore`, which builds `Answers` and so is not named
    here): its clock face and whether order children move their order."""

    face: StoreTime
    order_children_touch_order: bool


class Answers:
    """The store's answers to the open questions; change them any time (thread-safe)."""

    def __init__(self, store: AnswerHolder) -> None:
        self._store = store
        self._lock = threading.Lock()
        self.inventory_touches_product: bool = True
        self.missing_scope_status: int = 403
        self.retry_after_as: str = "seconds"
        self.shipment_items: str = "merge"
        self.over_shipping: str = "refuse"
        self.unknown_id_post: str = "new-id"
        self.tracking_separator: str = ","

    def to_dict(self) -> dict[str, Any]:
        face = self._store.face
        return {
            "order_children_touch_order": self._store.order_children_touch_order,
            "inventory_touches_product": self.inventory_touches_product,
            "missing_scope_status": self.missing_scope_status,
            "retry_after_as": self.retry_after_as,
            "shipment_items": self.shipment_items,
            "over_shipping": self.over_shipping,
            "unknown_id_post": self.unknown_id_post,
            "tracking_separator": self.tracking_separator,
            "timezone": face.zone,
            "timestamps_in_utc": face.utc,
        }

    def update(self, changes: dict[str, Any]) -> None:
        """Apply `{switch: value}`; an unknown switch or value raises `ValueError`, and then
        nothing is changed."""
        for name, value in changes.items():
            if name == "timezone":
                if not isinstance(value, str) or not value:
                    raise ValueError("timezone must be an IANA zone name")
                continue
            choices = CHOICES.get(name)
            if choices is None:
                raise ValueError(f"unknown switch {name!r}; one of timezone, {', '.join(CHOICES)}")
            if not any(value == c and type(value) is type(c) for c in choices):
                shown = ", ".join(repr(c) for c in choices)
                raise ValueError(f"{name} must be one of {shown}, not {value!r}")
        with self._lock:
            store = self._store
            if "timezone" in changes or "timestamps_in_utc" in changes:
                store.face.set(zone=changes.get("timezone"), utc=changes.get("timestamps_in_utc"))
            for name, value in changes.items():
                if name == "order_children_touch_order":
                    store.order_children_touch_order = value
                elif name not in ("timezone", "timestamps_in_utc"):
                    setattr(self, name, value)
