"""The seeded store: deterministic by seed, a 90-day history ending at `start`.

The first orders ship to `SHOWCASE_SHIP_TOS` (leading-zero ZIPs, a ZIP+4, foreign postcodes),
so every seed, however small, has the addresses a sync client most often gets wrong.
Orders run through realistic status paths (pending, processing, partial and full shipments,
cancellations, declines, refunds, quotes) with payments and shipment items that match; events
that would fall after `start` are cut, so recent orders are still open. Some groups of orders
share one `updated_at` (an admin's bulk action), which is what makes offset paging by
`updated_at` skip records on a real store.
"""

from __future__ import annotations

import random
from typing import Any

from .catalog import Catalog, build_catalog
from .datastore import DataStore
from .order_factory import STATUS_TARGETS, STATUS_WEIGHTS, OrderFactory
from .people import customer_values, person
from .reference_tables import load_reference
from .seed_data import ORDER_STATUSES, SHOWCASE_SHIP_TOS
from .timefmt import HOUR_MS, grid_ms
from .variety import add_variety_products, vary_orders

__all__ = ["OrderFactory", "seed_store"]

DAY_MS = 24 * HOUR_MS
MINUTE_MS = 60_000


def seed_store(
    store: DataStore,
    *,
    seed: int,
    orders: int,
    products: int,
    customers: int | None,
    start_ms: int,
    variety: bool = False,
) -> Catalog:
    """Fill an empty store; returns the catalog (the catalog tables load it when present).

    `variety` adds the merchant-specific shapes of `variety.py` after the plain seed, which it
    leaves as it was."""
    rng = random.Random(f"{seed}:timeline")
    store.bulk = True
    try:
        for i, (sid, name, color, flags) in enumerate(ORDER_STATUSES):
            keys = (
                "is_open",
                "is_declined",
                "is_cancelled",
                "is_shipped",
                "is_fully_refunded",
                "is_partially_refunded",
                "is_quote_status",
                "is_partially_shipped",
            )
            row: dict[str, Any] = {k: bool(f) for k, f in zip(keys, flags, strict=True)}
            stamp = grid_ms(start_ms - 400 * DAY_MS + i * 3_600_123)
            row.update(
                name=name,
                color=color,
                email_template_id=0 if i > 8 else 20 + i,
                created_at=stamp,
                updated_at=stamp,
            )
            store.insert("order_statuses", row, record_id=sid)
        store.insert(
            "stores",
            {
                "name": "OrderHub Sandbox Store",
                "domain_name": "sandbox-store.test",
                "email": "orders@sandbox-store.test",
                "phone": "409-555-0100",
                "company_name": "Sandbox Outfitters LLC",
                "address_line_1": "1234 Calder Ave",
                "city": "Beaumont",
                "state": "Texas",
                "postal_code": "77702",
                "country": "United States",
                "billing_first_name": "Chris",
                "billing_last_name": "Allen",
                "tech_email": "it@sandbox-store.test",
                "tech_first_name": "Pat",
                "tech_last_name": "Nguyen",
            },
        )
        catalog = build_catalog(seed, products)
        if variety:
            add_variety_products(catalog)
        from .catalog_tables import load_catalog

        load_catalog(store, catalog, start_ms)
        load_reference(store, start_ms)
        n_customers = customers if customers is not None else max(20, orders * 2 // 5)
        span = 90 * DAY_MS
        times = [
            grid_ms(start_ms - span + span * (i + rng.random()) / max(orders, 1))
            for i in range(orders)
        ]
        picks = [1 + int(n_customers * rng.random() ** 1.7) for _ in range(orders)]
        first: dict[int, int] = {}
        last: dict[int, int] = {}
        for t, cid in zip(times, picks, strict=True):
            first.setdefault(cid, t)
            last[cid] = t
        for cid in range(1, n_customers + 1):
            if cid in first:
                created = grid_ms(first[cid] - rng.randint(0, 60 * DAY_MS))
            else:
                created = grid_ms(start_ms - rng.randint(DAY_MS, 180 * DAY_MS))
            visit = last.get(cid, created)
            store.insert(
                "customers", customer_values(person(seed, cid), created, visit, rng.random() < 0.2)
            )
        factory = OrderFactory(store, catalog, seed)
        for i, (t, cid) in enumerate(zip(times, picks, strict=True)):
            target = rng.choices(STATUS_TARGETS, STATUS_WEIGHTS)[0]
            ship_to = SHOWCASE_SHIP_TOS[i] if i < len(SHOWCASE_SHIP_TOS) else None
            factory.build(t, start_ms, target, cid, ship_to)
        if variety:
            vary_orders(store, catalog, seed)
        _bursts(store, rng, start_ms)
        store.factory = factory
        factory.reset()
    finally:
        store.bulk = False
    store.build_indexes()
    return catalog


def _bursts(store: DataStore, rng: random.Random, start_ms: int) -> None:
    """Groups of consecutive orders exported together: one shared `updated_at` each."""
    orders = store.tables["orders"]
    n = len(orders)
    i = rng.randrange(10, max(11, min(400, n // 2))) if n >= 40 else n
    while i < n:
        size = min(rng.randint(15, 60), n - i)
        rows = range(i, i + size)
        stamp = max(orders.get(r, "updated_at") for r in rows)
        stamp = grid_ms(min(stamp + rng.randint(HOUR_MS, 48 * HOUR_MS), start_ms - MINUTE_MS))
        stamp = max(stamp, max(orders.get(r, "updated_at") for r in rows))
        for r in rows:
            orders.set(r, "updated_at", stamp)
            orders.set(r, "exported_to_accounting_system", 1)
        i += size + rng.randrange(250, 500)
