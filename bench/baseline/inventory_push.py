"""A naive inventory push: set every SKU the hub holds, one `POST /inventory/set` each.

This is what an integration does when it neither reads Cart.com's current stock nor tracks
what changed: correct (set is absolute, so safe to repeat), but one call per SKU per run.
It reads the hub's inventory records and sums `available` per SKU over locations.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import httpx

from orderhub.hub import Hub
from orderhub.store.records import EntityKind, list_records

__all__ = ["NaiveInventoryPush"]


class NaiveInventoryPush:
    def __init__(self, hub: Hub, *, store_url: str, token: str, http: httpx.Client) -> None:
        self.hub = hub
        self.base = store_url.rstrip("/") + "/api/v1/"
        self.headers = {"X-AC-Auth-Token": token, "Content-Type": "application/json"}
        self.http = http

    def quantities(self) -> dict[str, int]:
        """Hub quantity per SKU: `available` summed over locations, floored at 0."""
        totals: dict[str, int] = defaultdict(int)
        with self.hub.db.read_session() as session:
            for record in list_records(session, EntityKind.INVENTORY, limit=10_000_000):
                data: dict[str, Any] = record.data
                totals[str(data["sku"])] += int(data.get("available", data.get("onHand", 0)))
        return {sku: max(0, qty) for sku, qty in totals.items()}

    def push(self, quantities: dict[str, int]) -> int:
        """Set every SKU; returns the number of calls made."""
        calls = 0
        for sku, quantity in sorted(quantities.items()):
            response = self.http.post(
                self.base + "inventory/set",
                json={"item_number": sku, "quantity": quantity},
                headers=self.headers,
            )
            calls += 1
            response.raise_for_status()
        return calls
