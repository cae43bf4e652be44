"""Verify on products.pull (products and their variant rows) and locations.pull."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from orderhub.domain import FlowName, Location, VerificationStatus
from orderhub.services.integration_settings import change_settings
from orderhub.store.database import Database
from orderhub.store.records import (
    EntityKind,
    Origin,
    get_record_by_ext,
    list_records,
    upsert_record,
)
from support.verify_world import VerifyWorld, make_world, minutes_ago

PRODUCTS = FlowName.PRODUCTS_PULL
LOCATIONS = FlowName.LOCATIONS_PULL
# The seeded catalog has two products without an item number: the pull keeps them as
# `missingSku` exceptions, and verify counts them missing (the hub does not hold them).
NO_SKU = 2


@pytest.fixture
def catalog(database: Database, tmp_path: Path) -> Iterator[VerifyWorld]:
    for world in make_world(database, tmp_path, orders=5):
        world.enable(PRODUCTS)
        world.enable(LOCATIONS)
        world.run(PRODUCTS)
        world.run(LOCATIONS)
        yield world


def held_products(world: VerifyWorld) -> dict[str, str]:
    with world.hub.db.read_session() as session:
        records = list_records(
            session, EntityKind.PRODUCT, integration_id=world.integration_id, limit=1000
        )
    return {record.ext_id: str(record.data["sku"]) for record in records}


def test_the_pulled_catalog_verifies_with_only_the_products_that_cannot_be_mapped(
    catalog: VerifyWorld,
) -> None:
    found = catalog.verify()

    products = found[PRODUCTS]
    assert (products.missing, products.stale, products.remaining) == (NO_SKU, 0, NO_SKU)
    assert products.status is VerificationStatus.GAPS
    assert all(line.endswith("still open: missingSku") for line in products.gaps)
    locations = found[LOCATIONS]
    assert locations.status is VerificationStatus.COMPLETE
    assert locations.summary.endswith("checked, everything the store lists)")


def test_a_lost_variant_sku_is_named_and_refetched_with_its_product(catalog: VerifyWorld) -> None:
    skus = held_products(catalog)
    child = next(ext_id for ext_id in skus if "-" in ext_id)
    catalog.drop_record(EntityKind.PRODUCT, child)

    first = catalog.verify()[PRODUCTS]

    assert (first.missing, first.remaining) == (NO_SKU + 1, NO_SKU)
    assert first.refetched == 1
    assert any(line.startswith(f"SKU {skus[child]}: missing") for line in first.gaps)
    assert held_products(catalog)[child] == skus[child]
    assert catalog.verify()[PRODUCTS].missing == NO_SKU


def test_a_sale_that_only_moves_stock_is_not_stale(catalog: VerifyWorld) -> None:
    """A product's updated_at moves with its stock, which the hub's SKU does not carry: the
    pull re-reads it and writes nothing, so its kept Cart.com document stays the older one."""
    product_id = simple_product(catalog)
    store = catalog.sandbox.store
    row = store.table("products").row_of(product_id)
    assert row is not None
    store.update("products", row, {"quantity_on_hand": 3})
    catalog.touch("products", product_id, minutes_ago(5))
    catalog.run(PRODUCTS)  # reads it again: unchanged for the hub
    fetched_whole = catalog.calls("GET /products/select_many")

    result = catalog.verify(repair=False)[PRODUCTS]

    assert result.stale == 0
    # Its kept time is older than Cart.com's: it was confirmed by content, not by time.
    assert catalog.calls("GET /products/select_many") == fetched_whole + 1


def test_a_product_changed_behind_the_cursor_is_stale_then_refetched(
    catalog: VerifyWorld,
) -> None:
    product_id = simple_product(catalog)
    store = catalog.sandbox.store
    row = store.table("products").row_of(product_id)
    assert row is not None
    store.update("products", row, {"price": 123.45})
    behind = catalog.cursor_time(PRODUCTS) - timedelta(minutes=5)
    catalog.touch("products", product_id, behind)

    first = catalog.verify()[PRODUCTS]

    assert first.stale == 1
    assert first.refetched == 1
    with catalog.hub.db.read_session() as session:
        record = get_record_by_ext(
            session, EntityKind.PRODUCT, catalog.integration_id, str(product_id)
        )
    assert record is not None
    assert str(record.data["price"]) == "123.45"
    assert catalog.verify()[PRODUCTS].stale == 0


def test_a_lost_location_is_missing_then_pulled_again(catalog: VerifyWorld) -> None:
    with catalog.hub.db.read_session() as session:
        [first, *_] = list_records(
            session, EntityKind.LOCATION, integration_id=catalog.integration_id, limit=10
        )
    catalog.drop_record(EntityKind.LOCATION, first.ext_id)

    found = catalog.verify()[LOCATIONS]

    assert (found.missing, found.status) == (1, VerificationStatus.REPAIRED)
    assert catalog.verify()[LOCATIONS].status is VerificationStatus.COMPLETE


def test_a_mapped_store_location_is_no_gap(catalog: VerifyWorld) -> None:
    """A store location `locationMap` maps onto a hub location has no active copy of its own
    (locations.pull made it inactive): the check counts it held, as the flow does, instead of a
    gap that no re-fetch could ever close."""
    with catalog.hub.db.session() as session:
        upsert_record(
            session,
            EntityKind.LOCATION,
            integration_id=None,
            ext_id="hub:WH-East",
            data=Location(name="WH-East", kind="hub").to_wire(),
            source_doc=None,
            origin=Origin(None, actor="api"),
            now=catalog.hub.clock.now(),
        )
    with catalog.hub.db.read_session() as session:
        [first, *_] = list_records(
            session, EntityKind.LOCATION, integration_id=catalog.integration_id, limit=10
        )
    change_settings(
        catalog.hub, catalog.integration_id, {"locationMap": f"{first.ext_id}=WH-East"}, actor="cli"
    )
    catalog.run(LOCATIONS)
    with catalog.hub.db.read_session() as session:
        copy = get_record_by_ext(session, EntityKind.LOCATION, catalog.integration_id, first.ext_id)
    assert copy is not None
    assert copy.data["status"] == "inactive"  # what the check would have called missing

    found = catalog.verify()[LOCATIONS]

    assert (found.missing, found.status) == (0, VerificationStatus.COMPLETE)


def simple_product(world: VerifyWorld) -> int:
    skus = held_products(world)
    return next(
        int(ext_id)
        for ext_id in sorted(skus)
        if "-" not in ext_id and not any(other.startswith(f"{ext_id}-") for other in skus)
    )
