"""Whether or not Cart.com moves a product's `updated_at` when its stock is set through
`/inventory` (API-NOTES open question 4): inventory.push's own writes come back as no product
change and no stock change (no echo), and a second push writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig
from orderhub.domain import FlowName
from orderhub.services.integrations import enable_flow
from orderhub.services.inventory import set_inventory
from orderhub.store.feed import feed_head
from orderhub.store.records import EntityKind

from .conftest import LONG_AGO, World, new_world


@pytest.fixture(params=[True, False], ids=["product-touched", "product-untouched"])
def world(request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path) -> Iterator[World]:
    sandbox = Sandbox(SandboxConfig(seed=61, orders=3, products=12, plan="unlimited"))
    sandbox.answers.update({"inventory_touches_product": request.param})
    yield from new_world(sqlite_template, tmp_path, sandbox, pulls=(FlowName.PRODUCTS_PULL,))


def _heads(world: World) -> tuple[int, int]:
    with world.hub.db.read_session() as session:
        return feed_head(session, EntityKind.PRODUCT), feed_head(session, EntityKind.INVENTORY)


def test_inventory_push_does_not_echo_its_own_writes(world: World) -> None:
    touches = world.sandbox.answers.inventory_touches_product
    for flow in (FlowName.INVENTORY_PUSH, FlowName.PRODUCTS_PUSH):
        enable_flow(world.hub, world.integration_id, flow, since=LONG_AGO)
        world.must_run(flow)
    rows = world.api("products", use_variant_inventory="false", fields="id,item_number,updated_at")
    product = next(p for p in rows["products"] if p["item_number"])
    set_inventory(world.hub, sku=product["item_number"], quantity=4242, actor="api")
    world.must_run(FlowName.INVENTORY_PUSH)
    after = world.api(f"products/{product['id']}", fields="quantity_on_hand,updated_at")
    assert after["quantity_on_hand"] == 4242
    assert (after["updated_at"] != product["updated_at"]) is touches  # the switch holds
    heads = _heads(world)

    pulled = world.must_run(FlowName.PRODUCTS_PULL)

    assert (pulled.counts.created, pulled.counts.updated) == (0, 0)  # nothing changed for the hub
    assert _heads(world) == heads  # no product or stock change in the hub's feed
    before = world.sandbox.calls()["byEndpoint"]
    world.must_run(FlowName.PRODUCTS_PUSH)
    world.must_run(FlowName.INVENTORY_PUSH)
    spent = world.sandbox.calls()["byEndpoint"]
    writes = ("POST /products", "PUT /products/{id}", "POST /inventory/set")
    assert {w: spent.get(w, 0) - before.get(w, 0) for w in writes} == dict.fromkeys(writes, 0)
