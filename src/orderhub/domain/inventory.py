"""Inventory per SKU and location."""

from __future__ import annotations

from orderhub.domain.base import HubModel, UtcDatetime

__all__ = ["Inventory"]


class Inventory(HubModel):
    inventory_id: str | None = None
    sku: str
    location_id: str
    on_hand: int = 0
    committed: int = 0
    available: int = 0
    inventory_not_tracked: bool = False
    integration: str | None = None
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None
