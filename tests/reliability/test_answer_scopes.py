"""A token without a scope a flow needs: whether Cart.com answers 401 or 403 (API-NOTES open
question 6), the connection test names the missing permission in the API Token Manager's
words, and a flow that meets the refusal fails its run once (a store-level failure: no retry
within the run, no per-record exception), naming the permission too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from orderhub.connectors.cartcom.connection import REFUSED_KEY_SUMMARY, check_connection
from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig
from orderhub.domain import FlowName, RunStatus
from orderhub.services.integrations import enable_flow
from orderhub.services.inventory import set_inventory
from support.stock import stock_location

from .conftest import LONG_AGO, STORE_URL, World, new_world

CATALOG = "Catalog: View and change catalog data"
ORDERS = "Orders: View and change order data"
STATUSES = [403, 401]
# Every permission the hub asks for, except changing the catalog (reading it stays).
WITHOUT_CATALOG_WRITES = ["read_people", "orders", "read_catalog", "settings", "system"]


@pytest.fixture(params=STATUSES, ids=["403", "401"])
def refusing(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> Iterator[World]:
    sandbox = Sandbox(SandboxConfig(seed=41, orders=4, products=8, plan="unlimited"))
    sandbox.answers.update({"missing_scope_status": request.param})
    token = sandbox.mint_token(WITHOUT_CATALOG_WRITES)
    yield from new_world(sqlite_template, tmp_path, sandbox, pulls=(), token=token)


def test_the_connection_test_names_the_missing_permission(refusing: World) -> None:
    sandbox = refusing.sandbox
    report = check_connection(
        STORE_URL,
        sandbox.mint_token(["read_people", "read_orders", "settings", "system"]),
        http=refusing.http,
    )

    assert report.connected, report.summary
    missing = sorted(c.permission or "" for c in report.checks if not c.ok)
    assert missing == sorted([CATALOG, ORDERS])
    assert "products.pull" in report.summary
    assert "fulfillments.push" in report.summary


def test_a_token_refused_everywhere_is_a_wrong_token_either_way(refusing: World) -> None:
    report = check_connection(STORE_URL, "not-a-token-of-this-store", http=refusing.http)

    assert (report.connected, report.summary) == (False, REFUSED_KEY_SUMMARY)


def test_a_write_refused_for_a_missing_scope_fails_the_run_once_and_names_it(
    refusing: World,
) -> None:
    world = refusing
    enable_flow(world.hub, world.integration_id, FlowName.INVENTORY_PUSH, since=LONG_AGO)
    world.must_run(FlowName.INVENTORY_PUSH)  # the first run keeps its first position
    products = world.api("products", use_variant_inventory="false", fields="id,item_number")
    skus = [p["item_number"] for p in products["products"] if p["item_number"]][:3]
    for quantity, sku in enumerate(skus, start=70):
        set_inventory(
            world.hub,
            sku=sku,
            quantity=quantity,
            location_id=stock_location(world.hub),
            actor="api",
        )

    run = world.run(FlowName.INVENTORY_PUSH)

    assert run.status is RunStatus.FAILED
    assert CATALOG in (run.error or "")
    assert world.calls("POST /inventory/set") == 1  # refused once: not retried, not per SKU
    assert world.open_exceptions(FlowName.INVENTORY_PUSH) == []  # the store's, not a SKU's

    again = world.run(FlowName.INVENTORY_PUSH)  # a later run meets the same refusal, once
    assert again.status is RunStatus.FAILED
    assert world.calls("POST /inventory/set") == 2


def test_a_pull_refused_for_a_missing_scope_fails_its_run_naming_the_permission(
    sqlite_template: Path, tmp_path: Path
) -> None:
    for status in STATUSES:
        sandbox = Sandbox(SandboxConfig(seed=42, orders=2, products=4, plan="unlimited"))
        sandbox.answers.update({"missing_scope_status": status})
        token = sandbox.mint_token(["read_people", "orders", "settings", "system"])
        home = tmp_path / str(status)
        home.mkdir()
        for world in new_world(sqlite_template, home, sandbox, pulls=(), token=token):
            enable_flow(world.hub, world.integration_id, FlowName.PRODUCTS_PULL, since=LONG_AGO)
            calls = world.sandbox.calls()["total"]

            run = world.run(FlowName.PRODUCTS_PULL)

            assert run.status is RunStatus.FAILED, status
            assert CATALOG in (run.error or ""), run.error
            assert world.sandbox.calls()["total"] - calls == 1  # refused once, not retried
            assert world.open_exceptions(FlowName.PRODUCTS_PULL) == []
