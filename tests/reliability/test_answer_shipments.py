"""fulfillments.push ships each fulfillment once, whether Cart.com merges or replaces a
shipment's items and whether it refuses over-shipping (409) or accepts it (API-NOTES open
question 7): the connector never relies on a 409 to avoid shipping twice."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig, SandboxTransport
from orderhub.domain import FlowName, RunStatus
from orderhub.engine import FlowRunner
from orderhub.services.fulfillments import unfulfilled_lines

from .conftest import World, new_world
from .shipping_world import (
    fulfil,
    hub_order_id,
    new_orders,
    ordered,
    post_shipment,
    shipments,
    shipped,
)

ANSWERS = [
    ("merge", "refuse"),
    ("merge", "accept"),
    ("replace", "refuse"),
    ("replace", "accept"),
]


class Killed(BaseException):
    """Stands for the process dying: raised after the store applied and answered a write."""


class DieAfterShipment(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method == "POST" and request.url.path.endswith("/order_shipments"):
            raise Killed
        return response


@pytest.fixture(params=ANSWERS, ids=["-".join(a) for a in ANSWERS])
def world(request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path) -> Iterator[World]:
    items, over = request.param
    sandbox = Sandbox(SandboxConfig(seed=51, orders=3, products=10, plan="unlimited"))
    sandbox.answers.update({"shipment_items": items, "over_shipping": over})
    yield from new_world(sqlite_template, tmp_path, sandbox, pulls=(FlowName.ORDERS_PULL,))


def test_a_run_killed_after_the_store_made_the_shipment_does_not_ship_twice(world: World) -> None:
    [cart] = new_orders(world, 1)
    fulfillment_id = fulfil(world, cart)
    runner = FlowRunner(
        world.hub.db,
        world.hub.box,
        world.hub.registry,
        http_factory=lambda _i: httpx.Client(
            transport=DieAfterShipment(SandboxTransport(world.sandbox.app))
        ),
        sleep=lambda _s: None,
    )
    with contextlib.suppress(Killed):
        runner.run_flow(world.integration_id, FlowName.FULFILLMENTS_PUSH)
    assert shipped(world, cart) == ordered(world, cart)  # the store made it; we never heard

    world.must_run(FlowName.FULFILLMENTS_PUSH)  # the page is read again: found by name
    world.must_run(FlowName.FULFILLMENTS_PUSH)

    assert [s["shipment_name"] for s in shipments(world, cart)] == [f"OH-{fulfillment_id}"]
    assert shipped(world, cart) == ordered(world, cart)
    assert world.calls("POST /order_shipments") == 1


def test_a_lost_answer_is_read_back_not_sent_again(world: World) -> None:
    [cart] = new_orders(world, 1)
    fulfil(world, cart, tracking_numbers=["1ZLOST1", "1ZLOST2"])
    world.sandbox.faults.fail_next(1, "reset", endpoint="POST /order_shipments")

    world.must_run(FlowName.FULFILLMENTS_PUSH)

    assert len(shipments(world, cart)) == 1
    assert shipped(world, cart) == ordered(world, cart)
    assert world.calls("POST /order_shipments") == 1


def test_a_shipment_of_ours_that_differs_is_made_to_match_exactly(world: World) -> None:
    """A shipment with our name but other lines (a crash between writes, an edit in the admin)
    ends with exactly the fulfillment's lines: under "merge" the line we do not ship is sent
    as 0, under "replace" it is simply not sent again."""
    cart = next(c for c in new_orders(world, 6) if len(ordered(world, c)) > 1)
    items = ordered(world, cart)
    first, other = sorted(items)[:2]
    lines = unfulfilled_lines(world.hub, hub_order_id(world, cart))
    fulfillment_id = fulfil(world, cart, [x for x in lines if x.unique_id == str(first)])
    stray = [{"id": other, "quantity_shipped": 1}]  # a line this fulfillment does not ship
    post_shipment(
        world, {"order_id": cart, "shipment_name": f"OH-{fulfillment_id}", "items": stray}
    )

    world.must_run(FlowName.FULFILLMENTS_PUSH)

    ours = next(s for s in shipments(world, cart) if s["shipment_name"] == f"OH-{fulfillment_id}")
    held = {i["id"]: i["quantity_shipped"] for i in ours["items"] if i["quantity_shipped"]}
    assert held == {first: items[first]}
    assert shipped(world, cart) == {first: items[first]}


def test_more_than_is_left_is_never_sent_even_where_the_store_would_accept_it(
    world: World,
) -> None:
    """Someone shipped the order in Cart.com's admin before the hub heard of it: the hub's
    fulfillment would ship it twice. Refused by the connector itself, 409 or not."""
    [cart] = new_orders(world, 1)
    items = ordered(world, cart)
    post_shipment(
        world,
        {
            "order_id": cart,
            "shipment_name": "shipped-in-admin",
            "items": [{"id": i, "quantity_shipped": q} for i, q in items.items()],
        },
    )
    fulfil(world, cart)  # the hub still thinks nothing has shipped

    run = world.run(FlowName.FULFILLMENTS_PUSH)

    assert run.status is RunStatus.SUCCEEDED, run.error
    assert shipped(world, cart) == items  # not twice
    assert [s["shipment_name"] for s in shipments(world, cart)] == ["shipped-in-admin"]
    [exception] = world.open_exceptions(FlowName.FULFILLMENTS_PUSH)
    assert exception.exception_type == "quantityExceeded"
