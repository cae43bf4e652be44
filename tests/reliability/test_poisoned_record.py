"""One record Cart.com keeps failing never blocks the others, in every push flow.

For each push flow: a dozen records to write, one of them poisoned in the store (every call
that touches it answers 500). The run succeeds, the others are written exactly once, the
poisoned one is one open exception naming it; later runs neither write the others again nor
duplicate the exception; once the store is healed, a retry writes it and clears the exception.
And when the store fails for everyone (several different records in a row), the run fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from orderhub.domain import FlowName, Fulfillment, Product, RunStatus
from orderhub.services.fulfillments import create_fulfillment, unfulfilled_lines
from orderhub.services.integrations import enable_flow
from orderhub.services.inventory import set_inventory
from orderhub.services.products import upsert_hub_product
from orderhub.store.records import EntityKind, list_records
from support.stock import stock_location

from .conftest import World

PROCESSING = 12  # the sandbox's "Processing" order status


@dataclass
class Case:
    """One push flow: how to make N pending writes, and how to read one back from the store."""

    flow: FlowName
    write: str  # the write endpoint, as the sandbox counts it
    prepare: Callable[[World, int], list[tuple[int, str]]]
    """Makes `n` hub changes; returns (Cart.com id the write touches, record key) for each."""
    landed: Callable[[World, int, str], bool]
    """Whether the write for that record is in the store now."""


def _fulfillments(world: World, n: int) -> list[tuple[int, str]]:
    orders = [world.sandbox.store.create_order(order_status_id=PROCESSING)["id"] for _ in range(n)]
    world.must_run(FlowName.ORDERS_PULL)
    with world.hub.db.read_session() as session:
        held = {r.ext_id: r.hub_id for r in list_records(session, EntityKind.ORDER, limit=1000)}
    made: list[tuple[int, str]] = []
    for cart_id in orders:
        order_id = held[str(cart_id)]
        lines = unfulfilled_lines(world.hub, order_id)
        fulfillment = create_fulfillment(
            world.hub, Fulfillment(order_id=order_id, line_items=lines), actor="api"
        )
        made.append((cart_id, str(fulfillment["fulfillmentId"])))
    return made


def _shipped(world: World, cart_id: int, key: str) -> bool:
    shipments = world.api("order_shipments", order_id=cart_id)["order_shipments"]
    return [s["shipment_name"] for s in shipments] == [f"OH-{key}"]


def _catalog(world: World, n: int) -> list[dict[str, Any]]:
    products = world.api(
        "products",
        use_variant_inventory="false",
        fields="id,item_number,quantity_on_hand,price,item_name",
        count=250,
    )["products"]
    simple = [p for p in products if p["item_number"]]
    assert len(simple) >= n
    return simple[:n]


def _stock(world: World, n: int) -> list[tuple[int, str]]:
    made: list[tuple[int, str]] = []
    for product in _catalog(world, n):
        quantity = int(product["quantity_on_hand"] or 0) + 7
        set_inventory(
            world.hub,
            sku=product["item_number"],
            quantity=quantity,
            location_id=stock_location(world.hub),
            actor="api",
        )
        made.append((product["id"], f"{product['item_number']}={quantity}"))
    return made


def _stock_landed(world: World, product_id: int, key: str) -> bool:
    expected = int(key.rsplit("=", 1)[1])
    product = world.api(f"products/{product_id}", fields="quantity_on_hand")
    return int(product["quantity_on_hand"]) == expected


def _products(world: World, n: int) -> list[tuple[int, str]]:
    made: list[tuple[int, str]] = []
    for product in _catalog(world, n):
        name = f"{product['item_name']} (renamed)"
        upsert_hub_product(
            world.hub,
            Product(sku=product["item_number"], name=name, price=Decimal("12.34")),
            actor="api",
        )
        made.append((product["id"], name))
    return made


def _renamed(world: World, product_id: int, name: str) -> bool:
    return str(world.api(f"products/{product_id}", fields="item_name")["item_name"]) == name


CASES = [
    pytest.param(
        Case(FlowName.FULFILLMENTS_PUSH, "POST /order_shipments", _fulfillments, _shipped),
        id="fulfillments.push",
    ),
    pytest.param(
        Case(FlowName.INVENTORY_PUSH, "POST /inventory/set", _stock, _stock_landed),
        id="inventory.push",
    ),
    pytest.param(
        Case(FlowName.PRODUCTS_PUSH, "PUT /products/{id}", _products, _renamed),
        id="products.push",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_one_poisoned_record_among_many_is_one_exception_and_the_rest_land_once(
    world: World, case: Case
) -> None:
    enable_flow(world.hub, world.integration_id, case.flow)
    pending = case.prepare(world, 12)
    poisoned_id, _ = pending[5]
    world.sandbox.faults.poison(poisoned_id, case.write)
    before = world.calls(case.write)

    run = world.run(case.flow)

    assert run.status is RunStatus.SUCCEEDED, run.error
    assert run.counts.failed == 1
    for cart_id, key in pending:
        assert case.landed(world, cart_id, key) is (cart_id != poisoned_id), (cart_id, key)
    [exception] = world.open_exceptions(case.flow)
    assert "500" in exception.message or "server error" in exception.message
    sent = world.calls(case.write) - before

    again = world.run(case.flow, trigger="retry")  # retries the poisoned record on purpose

    assert again.status is RunStatus.SUCCEEDED, again.error
    assert len(world.open_exceptions(case.flow)) == 1, "the same record, not a second exception"
    retried = world.calls(case.write) - before - sent
    attempts_on_poison = sent - (len(pending) - 1)  # each of the others landed at once
    assert retried == attempts_on_poison, "only the poisoned record is tried again"

    world.sandbox.faults.clear()
    healed = world.run(case.flow, trigger="retry")

    assert healed.status is RunStatus.SUCCEEDED, healed.error
    assert world.open_exceptions(case.flow) == []
    assert all(case.landed(world, cart_id, key) for cart_id, key in pending)


@pytest.mark.parametrize("case", CASES)
def test_a_store_failing_for_every_record_fails_the_run_and_loses_nothing(
    world: World, case: Case
) -> None:
    enable_flow(world.hub, world.integration_id, case.flow)
    pending = case.prepare(world, 6)
    for cart_id, _key in pending:
        world.sandbox.faults.poison(cart_id, case.write)

    down = world.run(case.flow)

    assert down.status is RunStatus.FAILED
    assert "different records failed in a row" in (down.error or "")
    world.sandbox.faults.clear()
    up = world.run(case.flow)
    assert up.status is RunStatus.SUCCEEDED, up.error
    assert all(case.landed(world, cart_id, key) for cart_id, key in pending)
    assert world.open_exceptions(case.flow) == []
