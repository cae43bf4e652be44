"""The hub the API load benchmark serves: N orders on SQLite, one integration, one read key.

The orders look like pulled Cart.com orders (three lines, two addresses, a customer, a
payment, a source document of a few KB) so that reading and encoding them costs what it costs
in production. They are written through the store's batched upsert, as orders.pull does, but
without a sandbox: seeding 5,000 orders takes a few seconds.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from orderhub.domain import Address, Customer, LineItem, Order, OrderStatus, Payment
from orderhub.hub import build_hub
from orderhub.services.apikeys import create_api_key
from orderhub.settings import Settings
from orderhub.store import integrations as integration_store
from orderhub.store.records import EntityKind, Origin, UpsertItem, upsert_records

__all__ = ["SeededHub", "seed_hub"]

_BATCH = 500
_STATUSES = [OrderStatus.NEW, OrderStatus.READY_FOR_FULFILLMENT, OrderStatus.FULFILLED]


class SeededHub:
    """What the load generator needs to know about the seeded hub."""

    def __init__(self, home: Path, api_key: str, order_ids: list[str]) -> None:
        self.home = home
        self.api_key = api_key
        self.order_ids = order_ids


def seed_hub(home: Path, orders: int, *, seed: int = 7) -> SeededHub:
    """Create a hub in `home` holding `orders` orders; returns a read key and the order ids."""
    rng = random.Random(seed)
    hub = build_hub(Settings.from_env({"ORDERHUB_HOME": str(home)}))
    try:
        with hub.db.session() as session:
            integration = integration_store.create_integration(
                session,
                connector="cartcom",
                name="Load store",
                api_url="http://127.0.0.1:9",  # nothing listens: no flow is enabled anyway
                api_token="load-benchmark-token-0000",
                box=hub.box,
                now=hub.clock.now(),
            )
        origin = Origin(integration_id=integration.integration_id, actor="flow")
        start = datetime(2026, 1, 1, tzinfo=UTC)
        order_ids: list[str] = []
        for first in range(0, orders, _BATCH):
            items = [
                _item(integration.integration_id, number, start, rng)
                for number in range(first, min(orders, first + _BATCH))
            ]
            with hub.db.session() as session:
                results = upsert_records(
                    session, EntityKind.ORDER, items, origin=origin, now=hub.clock.now()
                )
            order_ids.extend(result.hub_id for result in results)
        _, key = create_api_key(hub, name="load", scope="read")
    finally:
        hub.close()
    return SeededHub(home, key, order_ids)


def _item(integration_id: str, number: int, start: datetime, rng: random.Random) -> UpsertItem:
    placed = start + timedelta(minutes=7 * number)
    address = Address(
        first_name=f"Ada{number}",
        last_name="Lovelace",
        address1=f"{number} Analytical Engine Road",
        city="London",
        state_or_province="LN",
        zip_code_or_postal_code="N1 9GU",
        country="GB",
        email=f"ada{number}@example.com",
        phone="+44 20 7946 0000",
    )
    lines = [
        LineItem(
            unique_id=str(number * 10 + line),
            sku=f"SKU-{rng.randrange(1, 800):04d}",
            name=f"Product {line} of order {number}",
            quantity=rng.randrange(1, 4),
            item_price=Decimal(rng.randrange(500, 9000)) / 100,
            ext_product_api_id=str(rng.randrange(1, 800)),
        )
        for line in range(3)
    ]
    total = sum((item.item_price * item.quantity for item in lines), Decimal(0))
    order = Order(
        ext_order_id=f"#{100000 + number}",
        ext_order_api_id=str(100000 + number),
        ext_order_created_at=placed,
        ext_order_updated_at=placed + timedelta(minutes=3),
        order_source="web",
        status=_STATUSES[number % len(_STATUSES)],
        ext_status="Processing",
        currency="USD",
        sub_total_price=total,
        shipping_price=Decimal("5.00"),
        total_price=total + Decimal("5.00"),
        shipping_method="Ground",
        shipping_address=address,
        billing_address=address,
        customer=Customer(ext_customer_id=str(number), email=address.email, first_name="Ada"),
        email=address.email,
        line_items=lines,
        payments=[Payment(status="paid", amount=total + Decimal("5.00"), method="card")],
    )
    data = order.to_wire()
    return UpsertItem(
        integration_id=integration_id,
        ext_id=str(100000 + number),
        data=data,
        source_doc=_source_doc(data),
    )


def _source_doc(data: dict[str, Any]) -> dict[str, Any]:
    """A stand-in for Cart.com's order document: about as large as a real expanded one."""
    return {
        "id": data["extOrderApiId"],
        "order_number": data["extOrderId"],
        "items": [
            {**line, "custom_fields": [], "options": "Size: M"} for line in data["lineItems"]
        ],
        "addresses": [data["shippingAddress"], data["billingAddress"]],
        "payments": data["payments"],
        "custom_fields": [{"name": f"field{i}", "value": "x" * 40} for i in range(8)],
        "notes": "n" * 600,
    }
