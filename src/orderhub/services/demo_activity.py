"""The demo's hub side: stock that moves and orders that ship, as a warehouse would make them.

The simulated store places and changes orders by itself; without a hub side as well, the demo
would show the pull flows only. This module plays the merchant's warehouse: at the start it
gives the hub stock for the store's SKUs (the store's own figures, a few of them off, so the
first inventory.push has something to write), then, while the demo runs, it counts a SKU's
stock, reprices a product or fulfils an open order every few seconds — through the same
services as the CLI, so inventory.push, products.push and fulfillments.push carry each change
to the store within seconds.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

from orderhub.domain import Fulfillment, LocationStatus, OrderStatus
from orderhub.errors import HubError
from orderhub.hub import Hub
from orderhub.services.fulfillments import create_fulfillment, unfulfilled_lines
from orderhub.services.inventory import import_inventory_csv, set_inventory
from orderhub.services.products import import_products_csv
from orderhub.store.records import EntityKind, list_records

__all__ = ["HubActivity"]

ACTOR = "cli"  # the demo is a command; its changes read as the CLI's in the timelines
FULFILLABLE = frozenset(
    {OrderStatus.NEW, OrderStatus.READY_FOR_FULFILLMENT, OrderStatus.PARTIAL_FULFILLMENT}
)
CARRIERS = (("UPS", "Ground"), ("USPS", "Priority Mail"), ("FedEx", "2Day"))
"""Carriers and services the demo store offers, so fulfillments.push finds each one's method."""


@dataclass
class HubActivity:
    hub: Hub
    rng: random.Random
    skus: tuple[str, ...] = ()
    location: str = ""
    """The hub id of the location the demo counts stock at (set by `seed_stock`)."""
    priced: tuple[str, ...] = ()
    """SKUs of whole products (not variants): their price is the product's, so a reprice in
    the hub is a change products.push carries (a variant's price is not pushed)."""

    def seed_stock(self, store_stock: Mapping[str, int], *, differing: int = 8) -> list[str]:
        """Hub stock for every SKU: the store's figure, `differing` of them 5 more.

        One transaction (a CSV import, as `orderhub inventory import` does). Returns the SKUs
        whose hub stock differs from the store's, which the first inventory.push writes.
        """
        self.skus = tuple(sorted(store_stock))
        changed = set(self.rng.sample(self.skus, min(differing, len(self.skus))))
        # Named, as a merchant with several warehouses must: the store's default one when
        # the hub has pulled them, else the hub's own "Default", made by this import.
        self.location = self._warehouse() or ""
        rows = "".join(
            f"{sku},{store_stock[sku] + (5 if sku in changed else 0)},{self.location}\n"
            for sku in self.skus
        )
        report = import_inventory_csv(self.hub, "sku,quantity,location\n" + rows, actor=ACTOR)
        if report.errors:
            raise HubError(f"The demo's stock import refused {len(report.errors)} rows")
        self.location = self.location or self._warehouse() or ""
        return sorted(changed)

    def _warehouse(self) -> str | None:
        """The hub id of the location the demo's stock is counted at (None: the hub has none)."""
        with self.hub.db.read_session() as session:
            held = list_records(session, EntityKind.LOCATION, limit=100, newest_first=False)
        active = [r for r in held if r.data.get("status") != LocationStatus.INACTIVE.value]
        chosen = next((r for r in active if r.data.get("isDefault")), None)
        chosen = chosen or (active[0] if active else None)
        return chosen.hub_id if chosen is not None else None

    def step(self) -> str | None:
        """One change: a fulfilment (when an order waits for one), a reprice or a stock count."""
        roll = self.rng.random()
        if roll < 0.4:
            shipped = self.fulfil_one()
            if shipped is not None:
                return shipped
        elif roll < 0.65:
            repriced = self.reprice_one()
            if repriced is not None:
                return repriced
        return self.count_one()

    def reprice_one(self) -> str | None:
        """A new price for one SKU the hub holds, which makes it a hub product to push."""
        if not self.priced:
            return None
        sku = self.rng.choice(self.priced)
        price = f"{self.rng.randint(5, 80)}.{self.rng.choice(('00', '49', '95', '99'))}"
        report = import_products_csv(self.hub, f"sku,price\n{sku},{price}\n", actor=ACTOR)
        if report.errors:
            return None  # products.pull has not brought this SKU yet: nothing to reprice
        return f"price of {sku} set to {price}"

    def count_one(self) -> str | None:
        """A stock count: one SKU's on-hand quantity set to a new figure."""
        if not self.skus:
            return None
        sku = self.rng.choice(self.skus)
        quantity = self.rng.randint(0, 120)
        set_inventory(
            self.hub, sku=sku, quantity=quantity, location_id=self.location or None, actor=ACTOR
        )
        return f"stock of {sku} set to {quantity}"

    def fulfil_one(self) -> str | None:
        """Ship what is left of one recent open order, with a tracking number."""
        with self.hub.db.read_session() as session:
            recent = list_records(session, EntityKind.ORDER, limit=50)
        waiting = [r for r in recent if r.data.get("status") in FULFILLABLE]
        self.rng.shuffle(waiting)
        for record in waiting[:5]:
            lines = unfulfilled_lines(self.hub, record.hub_id)
            if not lines:
                continue
            carrier, service = self.rng.choice(CARRIERS)
            tracking = f"1Z{self.rng.randrange(10**15, 10**16)}"
            fulfillment = Fulfillment(
                order_id=record.hub_id,
                line_items=lines,
                tracking_numbers=[tracking],
                shipping_carrier=carrier,
                shipping_class=service,
            )
            try:
                create_fulfillment(self.hub, fulfillment, actor=ACTOR)
            except HubError:
                continue  # the store shipped or canceled it meanwhile: try another order
            return f"order {record.data.get('extOrderId')} shipped ({carrier} {tracking})"
        return None
