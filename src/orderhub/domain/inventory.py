"""Inventory per SKU and location."""

from __future__ import annotations

from orderhub.domain.base import HubModel, UtcDatetime
from orderhub.domain.bounds import Count, Identifier, Sku

__all__ = ["Inventory"]


class Inventory(HubModel):
    inventory_id: Identifier | None = None
    sku: Sku
    location_id: Identifier
    on_hand: Count = 0
    committed: Count = 0
    available: Count = 0
    inventory_not_tracked: bool = False
    integration: Identifier | None = None
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None
