"""Every flow over a store with the merchant-specific shapes (`SandboxConfig(variety=True)`):
kits, gift certificates sold and paid with, non-inventory, hidden, discontinued and
back-ordered products, lines shipping to their own addresses, VIP customers, non-US addresses,
in a store whose time zone is not US Central. Nothing crashes, each shape maps to something a
merchant can read, and non-inventory products are never pushed stock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig
from orderhub.connectors.cartcom.sandbox.variety import VARIETY_SKUS
from orderhub.domain import FlowName
from orderhub.services.integrations import enable_flow
from orderhub.services.inventory import set_inventory
from orderhub.store.records import EntityKind, list_records
from support.stock import stock_location

from .conftest import LONG_AGO, World, new_world
from .shipping_world import fulfil, ordered, shipped

PULLS = (FlowName.LOCATIONS_PULL, FlowName.ORDERS_PULL, FlowName.PRODUCTS_PULL)


@pytest.fixture
def varied(sqlite_template: Path, tmp_path: Path) -> Iterator[World]:
    config = SandboxConfig(
        seed=5, orders=60, products=20, plan="unlimited", variety=True, timezone="Asia/Kolkata"
    )
    yield from new_world(sqlite_template, tmp_path, Sandbox(config), pulls=PULLS)


def _held(world: World, kind: EntityKind) -> dict[str, dict[str, Any]]:
    with world.hub.db.read_session() as session:
        records = list_records(session, kind, integration_id=world.integration_id, limit=10_000)
    return {r.ext_id: dict(r.data) for r in records}


def _orders_with(world: World, **filters: str) -> list[int]:
    rows = world.api("order_items", count="250", fields="order_id", **filters)["order_items"]
    return sorted({row["order_id"] for row in rows})


def test_a_varied_store_maps_every_shape(varied: World) -> None:
    world = varied
    for flow in PULLS:
        assert world.open_exceptions(flow) == [], flow
    orders = _held(world, EntityKind.ORDER)
    assert len(orders) == 60

    # A kit: its own line and one per part, each part's quantity bound to the kit's.
    [kit_order, *_] = _orders_with(world, parent_order_item_id="not:null")
    lines = {line["sku"]: line for line in orders[str(kit_order)]["lineItems"]}
    kit = lines[VARIETY_SKUS["kit"]]
    assert lines[VARIETY_SKUS["stove"]]["quantity"] == kit["quantity"]
    assert lines[VARIETY_SKUS["pots"]]["quantity"] == 2 * kit["quantity"]
    assert lines[VARIETY_SKUS["pots"]]["itemPrice"] == 0

    # A gift certificate sold: a line that needs no shipping.
    for cart_id in _orders_with(world, item_number=VARIETY_SKUS["gift"]):
        [gift] = [li for li in orders[str(cart_id)]["lineItems"] if li["sku"] == "GIFT-CERT"]
        assert gift["requiresShipping"] is False

    # Paid partly by gift certificate: a payment of its own.
    paid = world.api("order_payments", payment_type="GiftCertificate", fields="order_id")
    [gc_order] = {p["order_id"] for p in paid["order_payments"]}
    methods = {p.get("method") for p in orders[str(gc_order)]["payments"]}
    assert "GiftCertificate" in methods

    # Lines with their own ship-to: one address for all is the order's; several tag it.
    tagged = [o for o in orders.values() if "multipleShipTo" in (o.get("tags") or [])]
    assert tagged
    elsewhere = world.api(
        "order_items",
        count="250",
        order_shipping_address_id="not:null",
        fields="order_id,order_shipping_address_id",
    )["order_items"]
    untagged = {
        row["order_id"]: row["order_shipping_address_id"]
        for row in elsewhere
        if "multipleShipTo" not in (orders[str(row["order_id"])].get("tags") or [])
    }
    assert untagged
    for cart_id, address_id in untagged.items():
        address = world.api(f"order_addresses/{address_id}")
        assert orders[str(cart_id)]["shippingAddress"]["address1"] == address["address_line_1"]

    # Hidden and discontinued products are inactive; the others, kits and parts too, active.
    products = {p["sku"]: p for p in _held(world, EntityKind.PRODUCT).values()}
    status = {key: products[sku]["status"] for key, sku in VARIETY_SKUS.items()}
    assert status == {
        "gift": "active",
        "warranty": "active",
        "hidden": "inactive",
        "discontinued": "inactive",
        "backordered": "active",
        "kit": "active",
        "stove": "active",
        "pots": "active",
    }


def test_non_inventory_products_are_never_pushed_stock(varied: World) -> None:
    world = varied
    for sku, quantity in ((VARIETY_SKUS["gift"], 5), (VARIETY_SKUS["kit"], 7)):
        set_inventory(
            world.hub,
            sku=sku,
            quantity=quantity,
            location_id=stock_location(world.hub),
            actor="api",
        )
    enable_flow(world.hub, world.integration_id, FlowName.INVENTORY_PUSH, since=LONG_AGO)
    writes = world.calls("POST /inventory/set")

    world.must_run(FlowName.INVENTORY_PUSH)

    fields = "item_number,quantity_on_hand"
    [gift] = world.api("products", item_number=VARIETY_SKUS["gift"], fields=fields)["products"]
    [kit] = world.api("products", item_number=VARIETY_SKUS["kit"], fields=fields)["products"]
    assert (gift["quantity_on_hand"], kit["quantity_on_hand"]) == (0, 7)
    assert world.calls("POST /inventory/set") == writes + 1
    assert world.open_exceptions(FlowName.INVENTORY_PUSH) == []


def test_a_kit_order_ships_its_kit_and_parts(varied: World) -> None:
    world = varied
    [kit_order, *_] = _orders_with(world, parent_order_item_id="not:null")
    enable_flow(world.hub, world.integration_id, FlowName.FULFILLMENTS_PUSH)
    fulfil(world, kit_order, shipping_carrier="UPS", shipping_class="Ground")

    world.must_run(FlowName.FULFILLMENTS_PUSH)

    assert world.open_exceptions(FlowName.FULFILLMENTS_PUSH) == []
    assert shipped(world, kit_order) == ordered(world, kit_order)
