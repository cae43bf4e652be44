"""`/inventory/settings`: the store's inventory settings (defaults as a fresh store's)."""

from __future__ import annotations

from typing import Any

from .errors import ApiError

__all__ = ["DEFAULT_SETTINGS", "InventorySettings"]

DEFAULT_SETTINGS: dict[str, Any] = {
    "track_inventory": True,
    "remove_from_inventory_when": "Ordered",
    "out_of_stock_product_status_id": 2,
    "in_stock_product_status_id": 1,
    "back_order_product_status_id": 3,
    "discontinued_product_status_id": 4,
    "product_hide_no_inventory": False,
}


class InventorySettings:
    def __init__(self) -> None:
        self.values = dict(DEFAULT_SETTINGS)

    def update(self, body: dict[str, Any]) -> None:
        for key, value in body.items():
            if key not in DEFAULT_SETTINGS:
                continue
            expected = type(DEFAULT_SETTINGS[key])
            if isinstance(value, bool) != (expected is bool) or not isinstance(value, expected):
                raise ApiError(409, f"Validation failed: '{key}' must be {expected.__name__}")
            if key == "remove_from_inventory_when" and value not in ("Ordered", "Shipped"):
                raise ApiError(
                    409,
                    "Validation failed: remove_from_inventory_when must be 'Ordered' or 'Shipped'",
                )
            self.values[key] = value

    def reset(self) -> None:
        self.values = dict(DEFAULT_SETTINGS)
