"""Two more open questions on writes (API-NOTES §17 q7, q14):

- POST with an `id` no record has: created with that id, or with a new one? products.push
  never sends an id to create, and records the id the store answers, so a product deleted in
  Cart.com and edited in the hub is created again and held under its new id either way.
- Several tracking numbers: which separator? Whatever the store keeps (`,`, `, `, `;`, a line
  break, a space), a shipment read back holds the same numbers: no second write.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from orderhub.connectors.cartcom.mapping.fulfillments import split_tracking_numbers
from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig
from orderhub.domain import FlowName, Product
from orderhub.services.integrations import enable_flow
from orderhub.services.products import upsert_hub_product
from orderhub.store import integrations as integration_store
from orderhub.store.records import EntityKind, records_by_ext

from .conftest import LONG_AGO, STORE_URL, World, new_world
from .shipping_world import fulfil, new_orders, shipments

SEPARATORS = [",", ", ", ";", "\n", " "]
DEFAULTS = {"productsDefaultStatusId": 1, "productsDefaultCategoryId": 3}


def _world(sqlite_template: Path, tmp_path: Path, **answers: object) -> Iterator[World]:
    sandbox = Sandbox(SandboxConfig(seed=71, orders=3, products=8, plan="unlimited"))
    sandbox.answers.update(answers)
    yield from new_world(
        sqlite_template, tmp_path, sandbox, pulls=(FlowName.ORDERS_PULL, FlowName.PRODUCTS_PULL)
    )


@pytest.mark.parametrize("answer", ["new-id", "given-id"])
def test_a_product_deleted_in_the_store_is_created_again_and_held_under_its_new_id(
    sqlite_template: Path, tmp_path: Path, answer: str
) -> None:
    for world in _world(sqlite_template, tmp_path, unknown_id_post=answer):
        with world.hub.db.session() as session:
            integration_store.update_integration_settings(
                session, world.integration_id, DEFAULTS, now=world.hub.clock.now()
            )
        enable_flow(world.hub, world.integration_id, FlowName.PRODUCTS_PUSH, since=LONG_AGO)
        world.must_run(FlowName.PRODUCTS_PUSH)
        listed = world.api("products", use_variant_inventory="false", fields="id,item_number")
        old = next(p for p in listed["products"] if p["item_number"])
        sku, old_id = old["item_number"], int(old["id"])
        gone = world.http.delete(
            f"{STORE_URL}/api/v1/products/{old_id}",
            headers={"X-AC-Auth-Token": world.sandbox.full_token},
        )
        assert gone.status_code == 204
        upsert_hub_product(
            world.hub, Product(sku=sku, name="Made again", price=Decimal("9.90")), actor="api"
        )

        world.must_run(FlowName.PRODUCTS_PUSH)

        [made] = world.api("products", item_number=sku, fields="id,item_name")["products"]
        assert made["item_name"] == "Made again"
        with world.hub.db.read_session() as session:
            held = records_by_ext(
                session, EntityKind.PRODUCT, world.integration_id, [str(made["id"])]
            )
        assert [r.data["sku"] for r in held] == [sku]  # the id the store answered


@pytest.mark.parametrize(
    "separator", SEPARATORS, ids=["comma", "comma-space", "semicolon", "newline", "space"]
)
def test_tracking_numbers_read_back_in_the_stores_form_are_not_written_again(
    sqlite_template: Path, tmp_path: Path, separator: str
) -> None:
    for world in _world(sqlite_template, tmp_path, tracking_separator=separator):
        [cart] = new_orders(world, 1)
        fulfil(world, cart, tracking_numbers=["1ZAAA111", "1ZBBB222", "1ZCCC333"])
        # The store makes the shipment, then the answer is lost: it is read back by name.
        world.sandbox.faults.fail_next(1, "reset", endpoint="POST /order_shipments")

        world.must_run(FlowName.FULFILLMENTS_PUSH)

        [shipment] = shipments(world, cart)
        assert shipment["tracking_numbers"] == separator.join(["1ZAAA111", "1ZBBB222", "1ZCCC333"])
        assert world.calls("POST /order_shipments") == 1  # the same numbers: not sent again


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("1Z001,1Z002", ["1Z001", "1Z002"]),
        ("1Z001, 1Z002", ["1Z001", "1Z002"]),
        ("1Z001;1Z002", ["1Z001", "1Z002"]),
        ("1Z001\r\n1Z002\n", ["1Z001", "1Z002"]),
        ("1Z001 1Z002 | 1Z003", ["1Z001", "1Z002", "1Z003"]),
        ("1Z001,1Z001", ["1Z001"]),
        ("", []),
        (None, []),
    ],
)
def test_every_separator_splits_tracking_numbers(text: str | None, numbers: list[str]) -> None:
    assert split_tracking_numbers(text) == numbers
