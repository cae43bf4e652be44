"""Every flow, under pairwise combinations of the answers the Cart.com docs leave open.

Each focused test (`test_answer_*.py`, `test_order_children.py`) proves one question under each
of its answers; this matrix runs one store's life through all six flows under combinations of
them, so that answers which meet in one flow (a shipment made by fulfillments.push that
orders.pull reads back, in a store that keeps times in UTC in Berlin and separates tracking
numbers by `;`) are met together. All pairs of answers appear in ~12 rows instead of the
5 x 2^8 x 2 = 2,560 of the full product. `Retry-After` is not a factor here: it has no
interaction with the others, and a real 429 would hold the shared limiter of the test's store
URL (its test is `test_answer_retry_after.py`).

Cost: each row is a small in-process store (4 orders, 8 products) on a fake clock; the whole
matrix takes a few CPU seconds (docs/sandbox.md has the figure).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from orderhub.clock import FakeClock, utc_now
from orderhub.connectors.cartcom.connection import check_connection
from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig
from orderhub.connectors.cartcom.sandbox.answers import CHOICES
from orderhub.domain import FlowName, Product
from orderhub.services.integrations import enable_flow
from orderhub.services.inventory import set_inventory
from orderhub.services.products import upsert_hub_product
from orderhub.store import integrations as integration_store
from orderhub.store.feed import feed_head
from orderhub.store.records import EntityKind, get_record_by_ext, records_by_ext
from support.pairwise import pairwise
from support.stock import stock_location

from .conftest import LONG_AGO, STORE_URL, World, new_world
from .shipping_world import fulfil, ordered, shipments, shipped

FACTORS: dict[str, tuple[Any, ...]] = {
    **{name: values for name, values in CHOICES.items() if name != "retry_after_as"},
    "timezone": ("America/Chicago", "Europe/Berlin"),
}
ROWS = pairwise(FACTORS)
PUSHES = (FlowName.INVENTORY_PUSH, FlowName.PRODUCTS_PUSH, FlowName.FULFILLMENTS_PUSH)
DEFAULTS = {"productsDefaultStatusId": 1, "productsDefaultCategoryId": 3}
NUMBERS = ["1ZMTX0001", "1ZMTX0002"]


def _row_id(row: dict[str, Any]) -> str:
    short = {",": "comma", ", ": "comma-space", ";": "semicolon", "\n": "newline", " ": "space"}
    return "/".join(
        short.get(v, str(v)) if k == "tracking_separator" else str(v).replace("America/", "")
        for k, v in row.items()
    )


@pytest.fixture(params=ROWS, ids=[_row_id(r) for r in ROWS])
def shop(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> Iterator[tuple[World, FakeClock]]:
    clock = FakeClock(utc_now() - timedelta(minutes=10))  # the store's clock: moved by the test
    sandbox = Sandbox(SandboxConfig(seed=91, orders=4, products=8, plan="unlimited", clock=clock))
    sandbox.answers.update(dict(request.param))
    pulls = (FlowName.LOCATIONS_PULL, FlowName.ORDERS_PULL, FlowName.PRODUCTS_PULL)
    for world in new_world(sqlite_template, tmp_path, sandbox, pulls=pulls):
        with world.hub.db.session() as session:
            integration_store.update_integration_settings(
                session, world.integration_id, DEFAULTS, now=world.hub.clock.now()
            )
        for flow in PUSHES:
            enable_flow(world.hub, world.integration_id, flow, since=LONG_AGO)
            world.must_run(flow)
        yield world, clock


def _heads(world: World) -> tuple[int, int]:
    with world.hub.db.read_session() as session:
        return feed_head(session, EntityKind.PRODUCT), feed_head(session, EntityKind.INVENTORY)


def _held_order(world: World, cart: int) -> dict[str, Any]:
    with world.hub.db.read_session() as session:
        record = get_record_by_ext(session, EntityKind.ORDER, world.integration_id, str(cart))
    assert record is not None
    return dict(record.data)


def _held_shipments(world: World, cart: int) -> list[str]:
    with world.hub.db.read_session() as session:
        record = get_record_by_ext(session, EntityKind.ORDER, world.integration_id, str(cart))
    assert record is not None
    return sorted(s["shipment_name"] for s in (record.source_doc or {})["order"]["shipments"])


def test_a_stores_life_through_every_flow(shop: tuple[World, FakeClock]) -> None:
    world, clock = shop
    store = world.sandbox.store

    # orders.pull: a new order, then a shipment made in the store's admin a little later.
    cart = int(store.create_order(order_status_id=12)["id"])
    clock.advance(60)
    world.must_run(FlowName.ORDERS_PULL)
    clock.advance(60)
    other = int(store.create_order(order_status_id=12)["id"])
    first = min(ordered(world, other))
    made = world.http.post(
        f"{STORE_URL}/api/v1/order_shipments",
        json={"order_id": other, "shipment_name": "ADMIN-1", "items": [{"id": first}]},
        headers={"X-AC-Auth-Token": world.sandbox.full_token},
    )
    assert made.status_code == 201, made.text
    clock.advance(60)
    world.must_run(FlowName.ORDERS_PULL)
    assert _held_shipments(world, other) == ["ADMIN-1"]

    # orders.pull: the admin corrects the order's shipping address in place.
    address = world.api(f"orders/{other}", fields="order_shipping_address_id")
    edited = world.http.put(
        f"{STORE_URL}/api/v1/order_addresses/{address['order_shipping_address_id']}",
        json={"address_line_1": "77 Matrix Row"},
        headers={"X-AC-Auth-Token": world.sandbox.full_token},
    )
    assert edited.status_code == 200, edited.text
    clock.advance(60)
    world.must_run(FlowName.ORDERS_PULL)
    assert _held_order(world, other)["shippingAddress"]["address1"] == "77 Matrix Row"

    # fulfillments.push: two tracking numbers, the answer to the POST lost: one shipment.
    fulfil(world, cart, tracking_numbers=NUMBERS)
    world.sandbox.faults.fail_next(1, "reset", endpoint="POST /order_shipments")
    world.must_run(FlowName.FULFILLMENTS_PUSH)
    world.must_run(FlowName.FULFILLMENTS_PUSH)
    [shipment] = shipments(world, cart)
    assert shipment["tracking_numbers"] == world.sandbox.answers.tracking_separator.join(NUMBERS)
    assert shipped(world, cart) == ordered(world, cart)
    assert world.calls("POST /order_shipments") == 2  # the admin's, and ours once
    clock.advance(60)
    world.must_run(FlowName.ORDERS_PULL)
    assert _held_shipments(world, cart) == [shipment["shipment_name"]]

    # inventory.push, then products.pull and both pushes: no echo, nothing written again.
    listed = world.api("products", use_variant_inventory="false", fields="id,item_number")
    sku = next(p["item_number"] for p in listed["products"] if p["item_number"])
    set_inventory(
        world.hub, sku=sku, quantity=321, location_id=stock_location(world.hub), actor="api"
    )
    world.must_run(FlowName.INVENTORY_PUSH)
    [row] = world.api("products", item_number=sku, fields="quantity_on_hand")["products"]
    assert row["quantity_on_hand"] == 321
    heads = _heads(world)
    clock.advance(60)
    world.must_run(FlowName.PRODUCTS_PULL)
    assert _heads(world) == heads
    writes_before = world.calls("POST /inventory/set") + world.calls("PUT /products/{id}")
    world.must_run(FlowName.INVENTORY_PUSH)
    world.must_run(FlowName.PRODUCTS_PUSH)
    assert world.calls("POST /inventory/set") + world.calls("PUT /products/{id}") == writes_before

    # products.push creates a hub product and holds it under the id the store answered.
    upsert_hub_product(
        world.hub, Product(sku="MTX-NEW", name="Matrix mug", price=Decimal("5.50")), actor="api"
    )
    world.must_run(FlowName.PRODUCTS_PUSH)
    [new] = world.api("products", item_number="MTX-NEW", fields="id")["products"]
    with world.hub.db.read_session() as session:
        held = records_by_ext(session, EntityKind.PRODUCT, world.integration_id, [str(new["id"])])
    assert [r.data["sku"] for r in held] == ["MTX-NEW"]

    # A token that may not change the catalog: the missing permission is named, 401 or 403.
    token = world.sandbox.mint_token(
        ["read_people", "orders", "read_catalog", "settings", "system"]
    )
    report = check_connection(STORE_URL, token, http=world.http)
    assert [c.permission for c in report.checks if not c.ok] == [
        "Catalog: View and change catalog data"
    ]
