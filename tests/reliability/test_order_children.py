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
