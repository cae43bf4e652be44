"""Driver tasks for the push flows: inventory.push (and the naive push), products.push and
fulfillments.push.

They call the hub-side services (`orderhub.services.inventory.set_inventory`,
`orderhub.services.fulfillments.create_fulfillment`) as the CLI and API do, then run the
flow through the engine. Imports of those services are late: the harness starts before every
flow has landed, and the parent only sends these tasks when the flow is registered.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx
from baseline.inventory_push import NaiveInventoryPush

from orderhub.connectors.cartcom.mapping.orders import MISSING_SKU_TAG
from orderhub.domain import FlowName
from orderhub.hub import Hub
from orderhub.store.records import EntityKind, list_records
from orderhub_bench.hubside import TIMEOUT, CountingRunner, connect, run_figures
from orderhub_bench.measure import Meter, StatusCounter

__all__ = [
    "StoreStock",
    "fulfillments_push",
    "fulfillments_setup",
    "inventory_push",
    "inventory_setup",
    "naive_inventory_push",
    "products_push",
    "products_setup",
    "store_stock",
]

ACTOR = "cli"  # hub-native changes, as `orderhub inventory set` / `fulfillments create` make
OPEN_STATUSES = frozenset({"new", "readyForFulfillment"})


FRESH = {"Cache-Control": "no-cache"}  # the sandbox caches GETs like Cart.com does


@dataclass(frozen=True)
class StoreStock:
    """Cart.com's stock per SKU that `/inventory/set` can address unambiguously."""

    by_sku: dict[str, int]
    simple_products: int  # rows of `products` that hold their own stock
    variant_rows: int  # rows of `variant_inventory`


def store_stock(store_url: str, token: str) -> StoreStock:
    """Read the store's stock page by page (setup only, untimed).

    Simple products carry `quantity_on_hand`; products with variant inventory carry stock on
    their variant rows. SKUs that are empty or appear twice are left out.
    """
    base = store_url.rstrip("/") + "/api/v1/"
    headers = {"X-AC-Auth-Token": token, **FRESH}
    seen: dict[str, int] = {}
    twice: set[str] = set()
    with httpx.Client(timeout=TIMEOUT, headers=headers) as http:

        def walk(resource: str, fields: str) -> list[dict[str, Any]]:
            rows: list[dict[str, Any]] = []
            page = 1
            while True:
                params = {"fields": fields, "count": "250", "sort": "id", "page": str(page)}
                answer = http.get(base + resource, params=params)
                if answer.status_code == 404:
                    break
                answer.raise_for_status()
                body = answer.json()
                rows.extend(body[resource])
                if not body.get("next_page"):
                    break
                page += 1
            return rows

        products = walk("products", "id,item_number,quantity_on_hand,use_variant_inventory")
        variants = walk("variant_inventory", "id,item_number,inventory")
    simple = [p for p in products if not p["use_variant_inventory"]]
    rows = [(p["item_number"], p["quantity_on_hand"]) for p in simple]
    rows += [(v["item_number"], v["inventory"]) for v in variants]
    for sku, quantity in rows:
        if not sku:
            continue
        key = str(sku).lower()
        if key in seen or key in twice:
            twice.add(key)
            seen.pop(key, None)
            continue
        seen[str(sku)] = int(quantity or 0)
    by_sku = {sku: q for sku, q in seen.items() if sku.lower() not in twice}
    return StoreStock(by_sku, simple_products=len(simple), variant_rows=len(variants))


def inventory_setup(hub: Hub, spec: dict[str, Any]) -> dict[str, Any]:
    """Hub stock for N SKUs equal to the store's, then the first push (measured on its own).

    The stock lands by CSV import (one transaction, as `orderhub inventory import` does); the
    first push brings the flow's cursor past it. It also picks the SKUs the measured run
    changes: every 1/share-th SKU, plus 7 units.
    """
    from orderhub.services.inventory import import_inventory_csv

    meter = Meter(spec["store_url"], int(spec["sandbox_pid"]))
    integration_id = connect(hub, spec["store_url"], spec["token"], [FlowName.INVENTORY_PUSH])
    store = store_stock(spec["store_url"], spec["token"])
    stock = store.by_sku
    skus = sorted(stock)[: int(spec["skus"])]
    started = time.perf_counter()
    text = "sku,quantity\n" + "".join(f"{sku},{stock[sku]}\n" for sku in skus)
    imported = import_inventory_csv(hub, text, actor=ACTOR)
    if imported.errors:
        raise RuntimeError(f"inventory import refused {len(imported.errors)} rows")
    setup_seconds = time.perf_counter() - started
    counting = CountingRunner.build(hub)
    try:
        with meter.section(counting.statuses) as first:
            first_run = counting.run(integration_id, FlowName.INVENTORY_PUSH)
    finally:
        counting.close()
    changed_count = max(1, round(len(skus) * float(spec["changed_share"])))
    step = max(1, len(skus) // changed_count)
    changed = {sku: stock[sku] + 7 for sku in skus[::step][:changed_count]}
    return {
        "integration_id": integration_id,
        "skus": len(skus),
        "store_skus": len(stock),
        "store_simple_products": store.simple_products,
        "store_variant_rows": store.variant_rows,
        "changed": changed,
        "hub_setup_seconds": setup_seconds,
        "run": run_figures(first_run),
        "measure": first.as_dict(),
    }


def inventory_push(hub: Hub, spec: dict[str, Any]) -> dict[str, Any]:
    """1% of the SKUs changed in the hub (`set_inventory`, as `orderhub inventory set`), pushed."""
    from orderhub.services.inventory import set_inventory

    meter = Meter(spec["store_url"], int(spec["sandbox_pid"]))
    changed: dict[str, int] = spec["changed"]
    for sku, quantity in changed.items():
        set_inventory(hub, sku=sku, quantity=quantity, location_id=None, actor=ACTOR)
    counting = CountingRunner.build(hub)
    try:
        with meter.section(counting.statuses) as measured:
            run = counting.run(spec["integration_id"], FlowName.INVENTORY_PUSH)
    finally:
        counting.close()
    return {
        "run": run_figures(run),
        "measure": measured.as_dict(),
        "verified": _verify_stock(spec["store_url"], spec["token"], changed),
    }


def _verify_stock(store_url: str, token: str, expected: dict[str, int]) -> dict[str, int]:
    """How many of the changed SKUs Cart.com now holds at the hub's quantity (untimed)."""
    base = store_url.rstrip("/") + "/api/v1/"
    right = 0
    with httpx.Client(timeout=TIMEOUT, headers={"X-AC-Auth-Token": token, **FRESH}) as http:
        for sku, quantity in expected.items():
            answer = http.get(base + "inventory", params={"item_number": sku})
            if answer.status_code == 200 and answer.json().get("quantity") == quantity:
                right += 1
    return {"checked": len(expected), "right": right}


def naive_inventory_push(hub: Hub, spec: dict[str, Any]) -> dict[str, Any]:
    """The naive reference on the same hub home: every SKU set, one call each."""
    meter = Meter(spec["store_url"], int(spec["sandbox_pid"]))
    statuses = StatusCounter()
    with httpx.Client(timeout=TIMEOUT, event_hooks={"response": [statuses.hook]}) as http:
        naive = NaiveInventoryPush(hub, store_url=spec["store_url"], token=spec["token"], http=http)
        with meter.section(statuses) as measured:
            quantities = naive.quantities()
            calls = naive.push(quantities)
    return {"skus": len(quantities), "calls_made": calls, "measure": measured.as_dict()}


def products_setup(hub: Hub, spec: dict[str, Any]) -> dict[str, Any]:
    """The store's catalog pulled (this integration's copies: the push's baselines), then the
    same products made hub-native (as a catalog import would), so the first products.push finds
    every one of them new in the feed and, field for field, what Cart.com already holds."""
    from orderhub.domain.product import Product
    from orderhub.store.records import Origin, UpsertItem, upsert_records

    flows = [FlowName.PRODUCTS_PULL, FlowName.PRODUCTS_PUSH]
    integration_id = connect(hub, spec["store_url"], spec["token"], flows)
    counting = CountingRunner.build(hub)
    try:
        pulled = counting.run(integration_id, FlowName.PRODUCTS_PULL)
    finally:
        counting.close()
    started = time.perf_counter()
    with hub.db.read_session() as session:
        copies = list_records(
            session, EntityKind.PRODUCT, integration_id=integration_id, limit=10_000_000
        )
    items = []
    for record in copies:
        product = Product.model_validate(record.data)
        clean = product.model_copy(update={"product_id": None, "integration": None})
        items.append(UpsertItem(None, product.sku, clean.to_wire(), None))
    origin = Origin(None, actor=ACTOR)
    for start in range(0, len(items), 500):
        with hub.db.session() as session:
            upsert_records(
                session,
                EntityKind.PRODUCT,
                items[start : start + 500],
                origin=origin,
                now=hub.clock.now(),
            )
    return {
        "integration_id": integration_id,
        "products": len(items),
        "pulled": run_figures(pulled)["counts"],
        "hub_setup_seconds": time.perf_counter() - started,
    }


def products_push(hub: Hub, spec: dict[str, Any]) -> dict[str, Any]:
    """The first products.push over the hub-native copies of the whole catalog, timed."""
    meter = Meter(spec["store_url"], int(spec["sandbox_pid"]))
    counting = CountingRunner.build(hub)
    try:
        with meter.section(counting.statuses) as measured:
            run = counting.run(spec["integration_id"], FlowName.PRODUCTS_PUSH)
    finally:
        counting.close()
    return {"run": run_figures(run), "measure": measured.as_dict()}


def fulfillments_setup(hub: Hub, spec: dict[str, Any]) -> dict[str, Any]:
    """Orders pulled, then one fulfillment per open, unshipped order (all its lines) in the hub.

    "Unshipped": the order's Cart.com document (kept as the record's source) has no shipment,
    so every line is left to ship; orders with a stand-in SKU are passed over.
    """
    from orderhub.domain import Fulfillment, FulfillmentLine
    from orderhub.services.fulfillments import create_fulfillment

    flows = [FlowName.ORDERS_PULL, FlowName.FULFILLMENTS_PUSH]
    integration_id = connect(hub, spec["store_url"], spec["token"], flows)
    counting = CountingRunner.build(hub)
    try:
        pulled = counting.run(integration_id, FlowName.ORDERS_PULL)
    finally:
        counting.close()
    wanted = int(spec["fulfillments"])
    started = time.perf_counter()
    with hub.db.read_session() as session:
        orders = list_records(
            session, EntityKind.ORDER, integration_id=integration_id, limit=10_000_000
        )
    made = 0
    for record in sorted(orders, key=lambda r: int(r.ext_id)):
        if made >= wanted:
            break
        data = record.data
        raw = (record.source_doc or {}).get("order", {})
        if (
            data.get("status") not in OPEN_STATUSES
            or raw.get("shipments")
            or MISSING_SKU_TAG in data.get("tags", [])
        ):
            continue
        lines = [
            FulfillmentLine(unique_id=line["uniqueId"], sku=line["sku"], quantity=line["quantity"])
            for line in data.get("lineItems", [])
            if line.get("requiresShipping", True) and line["quantity"] > 0
        ]
        if not lines:
            continue
        fulfillment = Fulfillment(
            order_id=record.hub_id,
            ext_order_id=data.get("extOrderId"),
            tracking_numbers=[f"1ZBENCH{made:010d}"],
            shipping_carrier="UPS",
            line_items=lines,
        )
        create_fulfillment(hub, fulfillment, actor=ACTOR)
        made += 1
    return {
        "integration_id": integration_id,
        "fulfillments": made,
        "orders_pulled": run_figures(pulled)["counts"],
        "hub_setup_seconds": time.perf_counter() - started,
    }


def fulfillments_push(hub: Hub, spec: dict[str, Any]) -> dict[str, Any]:
    """One fulfillments.push run over the fulfillments the setup made, timed."""
    meter = Meter(spec["store_url"], int(spec["sandbox_pid"]))
    shipments_before = _shipment_count(spec["store_url"], spec["token"])
    counting = CountingRunner.build(hub)
    try:
        with meter.section(counting.statuses) as measured:
            run = counting.run(spec["integration_id"], FlowName.FULFILLMENTS_PUSH)
    finally:
        counting.close()
    return {
        "run": run_figures(run),
        "measure": measured.as_dict(),
        "shipments_created": _shipment_count(spec["store_url"], spec["token"]) - shipments_before,
    }


def _shipment_count(store_url: str, token: str) -> int:
    answer = httpx.get(
        store_url.rstrip("/") + "/api/v1/order_shipments",
        params={"count": "1", "fields": "id"},
        headers={"X-AC-Auth-Token": token, **FRESH},
        timeout=TIMEOUT,
    )
    answer.raise_for_status()
    return int(answer.json().get("total_count", 0))
