"""orders.pull sees a change to an order's shipments, payments or lines whether or not Cart.com
moves the order's own `updated_at` for it (API-NOTES open question 4): tested under both."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from orderhub.clock import FakeClock, utc_now
from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig
from orderhub.domain import FlowName
from orderhub.store.records import EntityKind, get_record_by_ext

from .conftest import STORE_URL, World, new_world


@pytest.fixture
def late(sqlite_template: Path, tmp_path: Path) -> Iterator[tuple[World, FakeClock]]:
    """A store whose clock runs ten minutes behind the hub's, moved by the test."""
    clock = FakeClock(utc_now() - timedelta(minutes=10))
    sandbox = Sandbox(SandboxConfig(seed=32, orders=5, products=10, plan="unlimited", clock=clock))
    for world in new_world(sqlite_template, tmp_path, sandbox, pulls=(FlowName.ORDERS_PULL,)):
        yield world, clock


def _held_shipments(world: World, cart_id: int) -> list[str]:
    with world.hub.db.read_session() as session:
        record = get_record_by_ext(session, EntityKind.ORDER, world.integration_id, str(cart_id))
    assert record is not None
    document: dict[str, Any] = (record.source_doc or {})["order"]
    return [s["shipment_name"] for s in document.get("shipments") or []]


@pytest.mark.parametrize("touches", [False, True], ids=["order-untouched", "order-touched"])
def test_a_shipment_made_in_the_store_reaches_the_hub(
    late: tuple[World, FakeClock], touches: bool
) -> None:
    world, clock = late
    world.sandbox.realism.order_children_touch_order = touches
    cart_id = int(world.sandbox.store.create_order()["id"])
    clock.advance(300)  # five minutes on, the store takes another order: the cursor moves on
    world.sandbox.store.create_order()
    world.must_run(FlowName.ORDERS_PULL)
    assert _held_shipments(world, cart_id) == []
    order = world.sandbox.store.get_order(cart_id)
    assert order is not None
    clock.advance(1)
    items = [{"id": i["id"], "quantity_shipped": i["quantity"]} for i in order["items"]]
    made = world.http.post(
        f"{STORE_URL}/api/v1/order_shipments",
        json={"order_id": cart_id, "shipment_name": "S-1", "items": items},
        headers={"X-AC-Auth-Token": world.sandbox.full_token},
    )
    assert made.status_code in (200, 201), made.text
    moved = world.sandbox.store.get_order(cart_id)
    assert moved is not None
    assert (moved["updated_at"] != order["updated_at"]) is touches  # the switch holds

    world.must_run(FlowName.ORDERS_PULL)

    assert _held_shipments(world, cart_id) == ["S-1"]


def _held(world: World, cart_id: int) -> tuple[dict[str, Any], dict[int, Any]]:
    """The hub's order and the addresses it was built from, by id."""
    with world.hub.db.read_session() as session:
        record = get_record_by_ext(session, EntityKind.ORDER, world.integration_id, str(cart_id))
    assert record is not None
    addresses = {a["id"]: a for a in (record.source_doc or {})["addresses"]}
    return dict(record.data), addresses


@pytest.mark.parametrize("where", ["shipping", "billing", "line"])
@pytest.mark.parametrize("touches", [False, True], ids=["order-untouched", "order-touched"])
def test_an_address_changed_in_the_store_reaches_the_hub(
    late: tuple[World, FakeClock], touches: bool, where: str
) -> None:
    """An address edited in place (the admin corrects a street) names no order: orders.pull
    follows `order_addresses` by their own `updated_at` and asks which orders use them."""
    world, clock = late
    world.sandbox.realism.order_children_touch_order = touches
    store = world.sandbox.store
    headers = {"X-AC-Auth-Token": world.sandbox.full_token}
    cart_id = int(store.create_order()["id"])
    order = store.get_order(cart_id)
    assert order is not None
    address_id = order[f"order_{'billing' if where == 'billing' else 'shipping'}_address_id"]
    if where == "line":  # every line ships elsewhere: an address of their own
        made = world.http.post(
            f"{STORE_URL}/api/v1/order_addresses",
            json={
                "customer_id": order["customer_id"],
                "address_line_1": "9 Gift Lane",
                "city": "Dayton",
                "state": "OH",
                "postal_code": "45402",
                "country": "US",
            },
            headers=headers,
        )
        assert made.status_code == 201, made.text
        address_id = made.json()["id"]
        for item in order["items"]:
            line = world.http.put(
                f"{STORE_URL}/api/v1/order_items/{item['id']}",
                json={"order_shipping_address_id": address_id},
                headers=headers,
            )
            assert line.status_code == 200, line.text
    clock.advance(300)
    store.create_order()
    world.must_run(FlowName.ORDERS_PULL)
    assert address_id in _held(world, cart_id)[1]
    before = store.get_order(cart_id)
    assert before is not None
    clock.advance(60)
    edited = world.http.put(
        f"{STORE_URL}/api/v1/order_addresses/{address_id}",
        json={"address_line_1": "1 Corrected Street"},
        headers=headers,
    )
    assert edited.status_code == 200, edited.text
    after = store.get_order(cart_id)
    assert after is not None
    assert (after["updated_at"] != before["updated_at"]) is touches  # the switch holds
    clock.advance(60)

    world.must_run(FlowName.ORDERS_PULL)

    data, addresses = _held(world, cart_id)
    assert addresses[address_id]["address_line_1"] == "1 Corrected Street"
    assert data[f"{'billing' if where == 'billing' else 'shipping'}Address"]["address1"] == (
        "1 Corrected Street"
    )
