"""products.pull end to end over loopback HTTP: the catalog as SKU families, incremental on
products and on variant rows, and the deletion sweep."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from orderhub.connectors.cartcom.flows import CONNECTOR
from orderhub.connectors.cartcom.flows.products_pull import ProductsPull
from orderhub.domain import FlowName, RunStatus
from orderhub.engine import FlowRegistry, FlowRunner
from orderhub.hub import Hub
from support.stores import Store

from .test_products_e2e import delta, open_shop


def test_the_catalog_arrives_as_simple_skus_and_parent_child_families(
    hub: Hub, serve_store: Callable[..., Store]
) -> None:
    shop = open_shop(hub, serve_store, seed=41, products=300)
    before = shop.calls()

    run = shop.pull()

    spent = delta(shop.calls(), before)
    cart = shop.cart_products()
    cart += shop.cart_products(page="2")
    held = shop.copies()
    with_sku = [p for p in cart if p["item_number"]]
    rows = [r for p in with_sku for r in p["variant_inventory"]]
    assert len(with_sku) < len(cart)  # the seeded store has products without item numbers
    assert set(held) == {p["item_number"] for p in with_sku} | {r["item_number"] for r in rows}
    family = next(p for p in with_sku if p["variant_inventory"])
    parent = held[family["item_number"]]
    assert (parent["types"], parent["extProductId"]) == (["parent"], str(family["id"]))
    for row in family["variant_inventory"]:
        child = held[row["item_number"]]
        assert child["types"] == ["child"]
        assert child["parentExtProductId"] == str(family["id"])
        assert child["extProductId"] == f"{family['id']}-{row['id']}"
    plain = next(p for p in with_sku if not p["variant_inventory"])
    simple = held[plain["item_number"]]
    assert simple["types"] == ["simple"]
    assert (simple["name"], Decimal(str(simple["price"]))) == (
        plain["item_name"],
        Decimal(str(plain["price"])),
    )
    no_sku = {str(p["id"]) for p in cart if not p["item_number"]}
    exceptions = shop.open_exceptions(FlowName.PRODUCTS_PULL)
    assert set(exceptions) == no_sku
    assert set(exceptions.values()) == {"Product has no item number (SKU) in Cart.com"}
    assert run.counts.failed == len(no_sku)
    # 300 products: 3 pages (+1 that ends the walk), one row-cursor page per 250 rows,
    # statuses and option groups.
    assert run.api_calls == sum(spent.values())
    assert run.api_calls <= 2 + 4 + (len(rows) // 250 + 2) + 2, spent


def test_a_quiet_store_costs_a_few_calls_and_an_edit_arrives_on_the_next_run(
    hub: Hub, serve_store: Callable[..., Store]
) -> None:
    shop = open_shop(hub, serve_store, seed=42)
    shop.pull()
    target = next(p for p in shop.cart_products() if p["item_number"])
    before = shop.calls()

    quiet = shop.pull()

    assert sum(delta(shop.calls(), before).values()) <= 6
    assert (quiet.counts.created, quiet.counts.updated) == (0, 0)
    assert shop.api("PUT", f"products/{target['id']}", json={"price": 123.45}).status_code == 200

    run = shop.pull()

    assert shop.copies()[target["item_number"]]["price"] == 123.45
    assert run.counts.updated >= 1


def test_a_variant_row_that_changed_alone_arrives_through_its_own_cursor(
    hub: Hub, serve_store: Callable[..., Store]
) -> None:
    shop = open_shop(hub, serve_store, seed=43)
    shop.pull()
    family = next(p for p in shop.cart_products() if p["item_number"] and p["variant_inventory"])
    row = family["variant_inventory"][0]
    products = shop.store.sandbox.store.tables["products"]
    position = products.row_of(family["id"])
    assert position is not None
    kept = products.get(position, "updated_at")

    shop.api("PUT", f"variant_inventory/{row['id']}", json={"gtin": "00012345678905"})
    # A real store may leave the product's updated_at where it was (API-NOTES §14).
    shop.store.sandbox.store.touch("products", position, ms=kept)
    run = shop.pull()

    assert shop.copies()[row["item_number"]]["upc"] == "00012345678905"
    assert run.counts.updated == 1


class SweepingNow(ProductsPull):
    """products.pull that does not spare recently written SKUs (its default grace is 10 min)."""

    sweep_grace = ProductsPull.sweep_grace * 0


def runner_with(hub: Hub, **flows: Any) -> FlowRunner:
    registry = FlowRegistry()
    for name, factory in flows.items():
        registry.register(CONNECTOR, FlowName(name.replace("_", ".")), factory)
    return FlowRunner(hub.db, hub.box, registry, sleep=lambda _s: None)


def test_the_sweep_marks_skus_whose_product_or_row_is_gone_inactive(
    hub: Hub, serve_store: Callable[..., Store]
) -> None:
    shop = open_shop(hub, serve_store, seed=44)
    runner = runner_with(hub, products_pull=SweepingNow.from_context)
    shop.settings(productsSweepHours="daily")
    refused = shop.run(FlowName.PRODUCTS_PULL, runner)
    assert refused.status is RunStatus.FAILED
    assert "productsSweepHours must be a number of hours" in (refused.error or "")
    shop.settings(productsSweepHours=0.0001)  # due 0.36 s after the last sweep
    shop.pull(runner)  # the first run only starts the sweep clock
    cart = [p for p in shop.cart_products() if p["item_number"]]
    gone = next(p for p in cart if not p["variant_inventory"])
    family = next(p for p in cart if len(p["variant_inventory"]) > 1)
    gone_row = family["variant_inventory"][0]
    assert shop.api("DELETE", f"products/{gone['id']}").status_code == 204
    assert shop.api("DELETE", f"variant_inventory/{gone_row['id']}").status_code == 204
    time.sleep(0.5)

    shop.pull(runner)

    held = shop.copies()
    assert held[gone["item_number"]]["status"] == "inactive"
    assert held[gone_row["item_number"]]["status"] == "inactive"
    inactive = {sku for sku, p in held.items() if p["status"] == "inactive"}
    assert inactive == {gone["item_number"], gone_row["item_number"]}
