"""inventory.push end to end over loopback HTTP: only changed SKUs are set, once, and safely."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from orderhub.connectors.cartcom.flows.inventory_push import InventoryPush
from orderhub.domain import ExceptionStatus, FlowName, Run, RunStatus
from orderhub.engine import FlowRegistry, FlowRunner
from orderhub.engine.dry_run import PlannedChange
from orderhub.hub import Hub
from orderhub.services.integrations import add_integration, enable_flow
from orderhub.services.inventory import import_inventory_csv, set_inventory
from orderhub.store import exceptions as exception_store
from orderhub.store import integrations as integration_store
from orderhub.store.records import EntityKind, list_records
from support.stores import Store

from .conftest import CliResult

PUSH = FlowName.INVENTORY_PUSH
SET = "POST /inventory/set"


@dataclass
class Item:
    sku: str
    kind: str  # "product" | "variant"
    id: int
    quantity: int


class Shop:
    """The sandbox store seen through its API (these reads happen outside measured runs)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        with httpx.Client(
            base_url=self.store.url + "/api/v1/",
            headers={"X-AC-Auth-Token": self.store.token, "Cache-Control": "no-cache"},
            timeout=10,
        ) as api:
            return api.request(method, path, **kwargs)

    def items(self) -> dict[str, Item]:
        found: dict[str, Item] = {}
        lists = (
            ("products", "use_variant_inventory=false&fields=id,item_number,quantity_on_hand"),
            ("variant_inventory", "fields=id,item_number,inventory"),
        )
        for resource, query in lists:
            rows = self.request("GET", f"{resource}?{query}&count=250").json()[resource]
            for row in rows:
                if row["item_number"]:
                    kind = "product" if resource == "products" else "variant"
                    quantity = row.get("quantity_on_hand", row.get("inventory"))
                    found[row["item_number"]] = Item(row["item_number"], kind, row["id"], quantity)
        return found

    def quantity(self, sku: str) -> int:
        answer = self.request("GET", "inventory", params={"item_number": sku})
        assert answer.status_code == 200, answer.text
        quantity: int = answer.json()["quantity"]
        return quantity

    def calls(self) -> dict[str, int]:
        calls = self.store.sandbox.calls()
        return {"total": calls["total"], **calls["byEndpoint"]}


def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)}


@dataclass
class Setup:
    hub: Hub
    shop: Shop
    integration_id: str
    main: str  # hub id of warehouse:1
    west: str  # hub id of warehouse:2
    simple: list[Item]
    variants: list[Item]

    def push(self, **kwargs: Any) -> Run:
        run = self.hub.runner().run_flow(self.integration_id, PUSH, **kwargs)
        assert run.status is RunStatus.SUCCEEDED, run.error
        return run

    def measured_push(self, **kwargs: Any) -> tuple[Run, dict[str, int]]:
        before = self.shop.calls()
        run = self.push(**kwargs)
        return run, delta(before, self.shop.calls())

    def set(self, sku: str, quantity: int, location: str | None = None) -> None:
        set_inventory(
            self.hub, sku=sku, quantity=quantity, location_id=location or self.main, actor="cli"
        )

    def settings(self, **changes: Any) -> None:
        with self.hub.db.session() as session:
            integration_store.update_integration_settings(
                session, self.integration_id, changes, now=self.hub.clock.now()
            )

    def open_exceptions(self) -> dict[str, str]:
        with self.hub.db.session() as session:
            items = exception_store.list_exceptions(
                session, status=ExceptionStatus.OPEN, integration_id=self.integration_id
            )
        return {e.ext_entity_id: e.message for e in items}

    def cursor(self) -> dict[str, Any] | None:
        with self.hub.db.session() as session:
            return integration_store.get_flow_state(session, self.integration_id, PUSH).cursor


@pytest.fixture
def setup(hub: Hub, serve_store: Callable[..., Store]) -> Setup:
    store = serve_store(seed=4, orders=10, products=60)
    result = add_integration(hub, api_url=store.url, api_key=store.token)
    integration_id = result.integration.integration_id
    enable_flow(hub, integration_id, FlowName.LOCATIONS_PULL)
    enable_flow(hub, integration_id, PUSH)
    pulled = hub.runner().run_flow(integration_id, FlowName.LOCATIONS_PULL)
    assert pulled.status is RunStatus.SUCCEEDED, pulled.error
    with hub.db.session() as session:
        ids = {r.ext_id: r.hub_id for r in list_records(session, EntityKind.LOCATION)}
    shop = Shop(store)
    items = list(shop.items().values())
    return Setup(
        hub=hub,
        shop=shop,
        integration_id=integration_id,
        main=ids["warehouse:1"],
        west=ids["warehouse:2"],
        simple=[i for i in items if i.kind == "product"][:6],
        variants=[i for i in items if i.kind == "variant"][:4],
    )


def test_one_run_sets_exactly_the_changed_skus_and_the_next_run_writes_nothing(
    setup: Setup,
) -> None:
    a, b, c, same = setup.simple[:4]
    v1, v2 = setup.variants[:2]
    setup.set(a.sku, a.quantity + 5)
    setup.set(b.sku, 3)
    setup.set(b.sku, 4, setup.west)  # two locations: 3 + 4
    for value in (1, 2, 9):  # many changes between runs -> one write
        setup.set(c.sku, value)
    setup.set(same.sku, same.quantity)  # already right in Cart.com: no write
    setup.set(v1.sku, 0)
    setup.set(v2.sku, v2.quantity + 1)

    run, calls = setup.measured_push()

    assert calls[SET] == 5
    assert calls["GET /products"] == 1
    assert calls["GET /variant_inventory"] == 1
    assert calls["total"] == 7  # pages read + SKUs changed
    assert run.api_calls == 7
    assert (run.counts.updated, run.counts.unchanged, run.counts.failed) == (5, 1, 0)
    expected = {a.sku: a.quantity + 5, b.sku: 7, c.sku: 9, same.sku: same.quantity}
    expected |= {v1.sku: 0, v2.sku: v2.quantity + 1}
    assert {sku: setup.shop.quantity(sku) for sku in expected} == expected

    again, calls = setup.measured_push()
    assert calls == {}
    assert again.counts.updated == 0

    setup.set(b.sku, 10, setup.west)
    _, calls = setup.measured_push()
    assert calls[SET] == 1
    assert setup.shop.quantity(b.sku) == 13


def test_changes_made_before_the_integration_was_enabled_are_not_pushed(
    hub: Hub, serve_store: Callable[..., Store]
) -> None:
    store = serve_store(seed=4, orders=10, products=20)
    item = next(i for i in Shop(store).items().values() if i.kind == "product")
    set_inventory(hub, sku=item.sku, quantity=item.quantity + 3, actor="cli")
    integration_id = add_integration(hub, api_url=store.url, api_key=store.token).integration
    enable_flow(hub, integration_id.integration_id, PUSH)

    run = hub.runner().run_flow(integration_id.integration_id, PUSH)

    assert run.status is RunStatus.SUCCEEDED, run.error
    assert run.api_calls == 0
    assert Shop(store).quantity(item.sku) == item.quantity


def test_buffers_and_the_location_list_decide_the_quantity_and_trigger_a_recompute(
    setup: Setup,
) -> None:
    a, b = setup.simple[:2]
    v = setup.variants[0]
    for item in (a, b, v):
        setup.set(item.sku, 10)
        setup.set(item.sku, 6, setup.west)
    setup.push()
    assert [setup.shop.quantity(i.sku) for i in (a, b, v)] == [16, 16, 16]

    setup.settings(inventoryBuffer=3, inventoryBufferBySku={b.sku: 0})
    run, calls = setup.measured_push()  # no hub change, but the rules changed: all SKUs
    assert [setup.shop.quantity(i.sku) for i in (a, b, v)] == [13, 16, 13]
    assert calls[SET] == 2
    assert run.counts.fetched == 3

    setup.settings(inventoryLocations=[setup.west])
    setup.push()
    assert [setup.shop.quantity(i.sku) for i in (a, b, v)] == [3, 6, 3]

    setup.settings(inventoryLocations=None, inventoryBuffer=8)
    setup.set(a.sku, 1)  # 1 + 6 - 8 -> floored at 0
    setup.push()
    assert [setup.shop.quantity(i.sku) for i in (a, b, v)] == [0, 16, 8]

    _, calls = setup.measured_push()
    assert calls == {}


def test_a_location_made_inactive_stops_counting(setup: Setup) -> None:
    a = setup.simple[0]
    setup.set(a.sku, 10)
    setup.set(a.sku, 6, setup.west)
    setup.push()
    assert setup.shop.quantity(a.sku) == 16
    setup.shop.request("DELETE", "warehouses/2")
    pulled = setup.hub.runner().run_flow(setup.integration_id, FlowName.LOCATIONS_PULL)
    assert pulled.counts.updated == 1

    setup.push()

    assert setup.shop.quantity(a.sku) == 10


def test_an_unknown_sku_becomes_an_exception_and_resolves_once_cartcom_has_it(
    setup: Setup,
) -> None:
    a, b = setup.simple[:2]
    setup.set("NO-SUCH-SKU", 5)
    setup.set(a.sku, a.quantity + 2)

    run = setup.push()

    assert run.counts.failed == 1
    assert run.counts.updated == 1
    assert setup.shop.quantity(a.sku) == a.quantity + 2
    message = setup.open_exceptions()["NO-SUCH-SKU"]
    assert message.startswith("SKU not found in Cart.com")

    created = setup.shop.request(
        "POST",
        "products",
        json={
            "item_name": "Late arrival",
            "item_number": "NO-SUCH-SKU",
            "price": 5,
            "primary_category_id": 1,
            "product_status_id": 1,
            "quantity_on_hand": 0,
        },
    )
    assert created.status_code == 201, created.text
    setup.set(b.sku, b.quantity + 1)  # the retry rides along with the next change

    again, calls = setup.measured_push()
    assert calls[SET] == 2
    assert setup.shop.quantity("NO-SUCH-SKU") == 5
    assert setup.open_exceptions() == {}
    assert again.counts.failed == 0


def test_a_dry_run_writes_nothing_and_leaves_the_cursor(setup: Setup) -> None:
    a, b = setup.simple[:2]
    setup.push()  # the first cursor
    cursor = setup.cursor()
    setup.set(a.sku, a.quantity + 4)
    setup.set(b.sku, b.quantity)
    setup.set("GHOST-1", 1)
    heard: list[PlannedChange] = []

    def listen(fields: dict[str, Any]) -> None:
        change = fields.get("planned")
        if isinstance(change, PlannedChange):
            heard.append(change)

    run, calls = setup.measured_push(dry_run=True, progress=listen)

    assert SET not in calls
    assert run.trigger == "dry-run"
    assert [(c.action, c.ext_id) for c in heard] == [("set", a.sku), ("fail", "GHOST-1")]
    assert heard[0].summary.startswith(f"{a.quantity} -> {a.quantity + 4}")
    assert setup.cursor() == cursor
    assert setup.open_exceptions() == {}
    assert setup.shop.quantity(a.sku) == a.quantity

    real, calls = setup.measured_push()
    assert calls[SET] == 1
    assert setup.shop.quantity(a.sku) == a.quantity + 4
    assert set(setup.open_exceptions()) == {"GHOST-1"}
    assert real.counts.updated == 1


class CrashAfterWrites(InventoryPush):
    """Dies after Cart.com was written and before the hub recorded it (the worst moment)."""

    crashes = 1

    def settle(self, session: Any, page: Any, result: Any) -> None:
        # The kit's last hook inside the page's transaction: raising rolls the record back.
        if CrashAfterWrites.crashes:
            CrashAfterWrites.crashes -= 1
            raise RuntimeError("the process died")
        super().settle(session, page, result)


class SmallPages(InventoryPush):
    sku_page = 2


def runner_with(setup: Setup, flow: type[InventoryPush]) -> FlowRunner:
    registry = FlowRegistry()
    registry.register("cartcom", PUSH, flow.from_context)
    hub = setup.hub
    return FlowRunner(hub.db, hub.box, registry, clock=hub.clock)


def test_a_crash_between_the_writes_and_their_record_is_harmless_on_rerun(
    setup: Setup,
) -> None:
    items = setup.simple[:3] + setup.variants[:1]
    for number, item in enumerate(items):
        setup.set(item.sku, item.quantity + number + 1)
    setup.push()
    for number, item in enumerate(items):
        setup.set(item.sku, number)
    cursor = setup.cursor()
    CrashAfterWrites.crashes = 1
    before = setup.shop.calls()

    crashed = runner_with(setup, CrashAfterWrites).run_flow(setup.integration_id, PUSH)

    assert crashed.status is RunStatus.FAILED
    assert "the process died" in (crashed.error or "")
    assert setup.cursor() == cursor  # the page was not recorded
    rerun = setup.push()
    calls = delta(before, setup.shop.calls())
    assert calls[SET] == len(items)  # written once, not again after the crash
    assert rerun.counts.updated == 0
    assert rerun.counts.unchanged == len(items)
    assert {i.sku: setup.shop.quantity(i.sku) for i in items} == {
        i.sku: n for n, i in enumerate(items)
    }
    assert setup.cursor() != cursor


def test_pages_move_the_cursor_one_page_at_a_time(setup: Setup) -> None:
    items = setup.simple[:5]
    for item in items:
        setup.set(item.sku, item.quantity + 1)
    seen: list[dict[str, Any] | None] = []

    def watch(progress: dict[str, Any]) -> None:
        if "fetched" in progress:  # told after each page's transaction committed
            seen.append(setup.cursor())

    runner = runner_with(setup, SmallPages)
    run = runner.run_flow(setup.integration_id, PUSH, progress=watch)

    assert run.status is RunStatus.SUCCEEDED, run.error
    assert len(seen) == 3  # 5 SKUs in pages of 2
    seqs = [c["seq"] for c in seen if c is not None]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == 3
    assert all(setup.shop.quantity(i.sku) == i.quantity + 1 for i in items)


class FiftyPerPage(InventoryPush):
    sku_page = 30


def test_a_first_push_of_every_sku_costs_statements_per_page_not_per_sku(setup: Setup) -> None:
    # A merchant's first sync: every SKU new in the feed, none differing from Cart.com. The
    # hub side reads the feed and the records a page at a time and records each page in one
    # transaction, so its SQL grows with the pages, not with the SKUs (it once cost ~6 ms of
    # hub CPU per SKU: a statement per SKU to close exceptions it did not have).
    items = list(setup.shop.items().values())
    text = "sku,quantity,location\n" + "".join(
        f"{i.sku},{i.quantity},{setup.main}\n" for i in items
    )
    assert not import_inventory_csv(setup.hub, text, actor="cli").errors
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = setup.hub.db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        run = runner_with(setup, FiftyPerPage).run_flow(setup.integration_id, PUSH)
    finally:
        event.remove(engine, "before_cursor_execute", count)

    assert run.status is RunStatus.SUCCEEDED, run.error
    assert len(items) >= 100
    assert (run.counts.unchanged, run.counts.updated, run.counts.failed) == (len(items), 0, 0)
    pages = -(-len(items) // FiftyPerPage.sku_page)
    per_page = (len(statements) - 40) / pages  # 40: the run's start and end, the plan
    assert per_page <= 12, f"{len(statements)} statements for {pages} pages"
    assert setup.cursor() is not None
    again, calls = setup.measured_push()
    assert calls == {}
    assert again.counts.fetched == 0


@pytest.mark.slow
def test_cli_sets_stock_previews_with_dry_run_then_syncs(
    cli: Callable[..., CliResult], serve_store: Callable[..., Store]
) -> None:
    store = serve_store(seed=4, orders=10, products=20)
    item = next(i for i in Shop(store).items().values() if i.kind == "product")
    added = cli(
        "integrations", "add", "cartcom", "--api-url", store.url, "--api-key", store.token, "--json"
    )
    assert added.code == 0, added.stderr
    integration_id = json.loads(added.stdout)["integrationId"]
    for flow in ("locations.pull", "inventory.push"):
        assert cli("flows", "enable", integration_id, flow).code == 0
    assert cli("sync", integration_id, "locations.pull").code == 0
    listed = cli("locations", "list", "--json")
    assert {loc["name"] for loc in json.loads(listed.stdout)} >= {
        "Main Warehouse",
        "West Coast Fulfillment",
    }

    setting = cli("inventory", "set", item.sku, str(item.quantity + 7), "--location", "warehouse:1")
    assert setting.code == 0, setting.stderr
    preview = cli("sync", integration_id, "inventory.push", "--dry-run")
    assert preview.code == 0, preview.stderr
    assert f"would set inventory {item.sku}: {item.quantity} -> {item.quantity + 7}" in (
        preview.stdout
    )
    assert Shop(store).quantity(item.sku) == item.quantity

    synced = cli("sync", integration_id, "inventory.push")
    assert synced.code == 0, synced.stderr
    assert Shop(store).quantity(item.sku) == item.quantity + 7


def test_stock_of_another_stores_product_is_not_pushed_to_a_store_that_does_not_sell_it(
    hub: Hub, serve_store: Callable[..., Store]
) -> None:
    """Two stores of one merchant: A's catalog comes into the hub; B lists only some of it.
    Stock set in the hub for one of A's products that B lacks is skipped by B's inventory.push
    without an exception; a SKU that no integration knows is still an exception on B (the
    merchant should hear of it)."""
    store_a = serve_store(seed=1, orders=0, products=20)
    store_b = serve_store(seed=2, orders=0, products=5)
    a = add_integration(hub, api_url=store_a.url, api_key=store_a.token).integration
    b = add_integration(hub, api_url=store_b.url, api_key=store_b.token).integration
    enable_flow(
        hub, a.integration_id, FlowName.PRODUCTS_PULL, since=datetime(2000, 1, 1, tzinfo=UTC)
    )
    enable_flow(hub, b.integration_id, PUSH)
    runner = hub.runner()
    pulled = runner.run_flow(a.integration_id, FlowName.PRODUCTS_PULL)
    assert pulled.status is RunStatus.SUCCEEDED, pulled.error
    with hub.db.read_session() as session:
        from_a = {record.data["sku"] for record in list_records(session, EntityKind.PRODUCT)}
    only_in_a = sorted(from_a - set(Shop(store_b).items()))
    assert only_in_a  # the two catalogs differ: the case is real
    for sku in only_in_a[:3]:
        set_inventory(hub, sku=sku, quantity=7, actor="cli")
    set_inventory(hub, sku="NO-SUCH-PRODUCT-1", quantity=5, actor="cli")

    pushed = runner.run_flow(b.integration_id, PUSH)

    assert pushed.status is RunStatus.SUCCEEDED, pushed.error
    assert pushed.counts.fetched == 4  # all four were considered
    assert open_exceptions_of(hub, b.integration_id) == {"NO-SUCH-PRODUCT-1": "skuNotFound"}


def open_exceptions_of(hub: Hub, integration_id: str) -> dict[str, str]:
    with hub.db.read_session() as session:
        return {
            item.ext_entity_id: item.exception_type
            for item in exception_store.list_exceptions(
                session, status=ExceptionStatus.OPEN, integration_id=integration_id
            )
        }
