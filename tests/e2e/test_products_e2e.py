"""products.push end to end over loopback HTTP: hub edits go out to the store exactly once,
through crashes and lost answers, conflicts go to their owner, and nothing is echoed back.
The helpers here serve the products.pull and CLI end-to-end files too."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from orderhub.domain import ExceptionStatus, FlowName, Run, RunStatus
from orderhub.domain.product import Product
from orderhub.engine import FlowRunner
from orderhub.hub import Hub
from orderhub.services.integrations import add_integration, enable_flow
from orderhub.services.products import upsert_hub_product
from orderhub.store import exceptions as exception_store
from orderhub.store import integrations as integration_store
from orderhub.store.records import EntityKind, get_record_by_ext, list_records
from orderhub.store.timeline import timeline
from support.stores import Store

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
WRITES = ("POST /products", "PUT /products/{id}", "PUT /variant_inventory/{id}")
DEFAULTS = {"productsDefaultStatusId": 1, "productsDefaultCategoryId": 3}


@dataclass
class Shop:
    """A sandbox store on loopback connected to the hub, its catalog pulled in."""

    hub: Hub
    store: Store
    integration_id: str

    def run(self, flow: FlowName, runner: FlowRunner | None = None) -> Run:
        return (runner or self.hub.runner()).run_flow(self.integration_id, flow)

    def pull(self, runner: FlowRunner | None = None) -> Run:
        run = self.run(FlowName.PRODUCTS_PULL, runner)
        assert run.status is RunStatus.SUCCEEDED, run.error
        return run

    def push(self, runner: FlowRunner | None = None) -> Run:
        return self.run(FlowName.PRODUCTS_PUSH, runner)

    def api(self, method: str, path: str, **options: Any) -> httpx.Response:
        headers = {"X-AC-Auth-Token": self.store.token, "Cache-Control": "no-cache"}
        return httpx.request(method, f"{self.store.url}/api/v1/{path}", headers=headers, **options)

    def cart_products(self, **filters: str) -> list[dict[str, Any]]:
        params = {"count": "250", "expand": "variant_inventory", **filters}
        records: list[dict[str, Any]] = self.api("GET", "products", params=params).json()[
            "products"
        ]
        return records

    def calls(self) -> dict[str, int]:
        return dict(self.store.sandbox.calls()["byEndpoint"])

    def copies(self) -> dict[str, dict[str, Any]]:
        """This integration's hub products by SKU."""
        with self.hub.db.read_session() as session:
            records = list_records(
                session, EntityKind.PRODUCT, integration_id=self.integration_id, limit=100_000
            )
        return {r.data["sku"]: r.to_wire() for r in records}

    def settings(self, **values: Any) -> None:
        with self.hub.db.session() as session:
            integration_store.update_integration_settings(
                session, self.integration_id, values, now=self.hub.clock.now()
            )

    def open_exceptions(self, flow: FlowName = FlowName.PRODUCTS_PUSH) -> dict[str, str]:
        with self.hub.db.read_session() as session:
            found = exception_store.list_exceptions(
                session, status=ExceptionStatus.OPEN, integration_id=self.integration_id, flow=flow
            )
        return {e.ext_entity_id: e.message for e in found}


def open_shop(
    hub: Hub, serve_store: Callable[..., Store], *, seed: int, products: int = 60
) -> Shop:
    store = serve_store(seed=seed, orders=5, products=products)
    added = add_integration(hub, api_url=store.url, api_key=store.token)
    assert added.report.connected, added.report.summary
    shop = Shop(hub, store, added.integration.integration_id)
    enable_flow(hub, shop.integration_id, FlowName.PRODUCTS_PULL, since=LONG_AGO)
    enable_flow(hub, shop.integration_id, FlowName.PRODUCTS_PUSH)
    return shop


def delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}


def writes(spent: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in spent.items() if k in WRITES}


def hub_copy(wire: dict[str, Any]) -> Product:
    """A hub-native product made from a pulled one (as a merchant's API client would)."""
    fields = {
        k: v
        for k, v in wire.items()
        if k not in ("productId", "integration", "createdAt", "updatedAt")
    }
    return Product.model_validate(fields)


# --- products.push ---------------------------------------------------------------------------


def test_hub_products_are_pushed_exactly_once_and_pulled_ones_never_go_back(
    hub: Hub, serve_store: Callable[..., Store]
) -> None:
    shop = open_shop(hub, serve_store, seed=45)
    shop.settings(**DEFAULTS)
    shop.pull()
    before = shop.calls()

    nothing = shop.push()  # everything in the feed came from this integration's pull

    assert nothing.status is RunStatus.SUCCEEDED, nothing.error
    assert delta(shop.calls(), before) == {}
    pulled = next(p for sku, p in shop.copies().items() if p["types"] == ["simple"])
    edited = hub_copy(pulled).model_copy(update={"price": Decimal("77.70"), "name": "Renamed"})
    upsert_hub_product(hub, edited, actor="api")
    upsert_hub_product(
        hub, Product(sku="NEW-1", name="New mug", price=Decimal("12.50")), actor="api"
    )
    before = shop.calls()

    run = shop.push()

    spent = delta(shop.calls(), before)
    assert run.status is RunStatus.SUCCEEDED, run.error
    assert writes(spent) == {"POST /products": 1, "PUT /products/{id}": 1}
    assert (run.counts.created, run.counts.updated, run.counts.failed) == (1, 1, 0)
    [made] = shop.cart_products(item_number="NEW-1")
    assert (made["item_name"], made["price"], made["product_status_id"]) == ("New mug", 12.5, 1)
    [changed] = shop.cart_products(item_number=pulled["sku"])
    assert (changed["item_name"], changed["price"]) == ("Renamed", 77.7)

    before = shop.calls()
    again = shop.push()
    assert delta(shop.calls(), before) == {}  # a second run has nothing to do: no call at all
    assert again.counts.model_dump() == {k: 0 for k in again.counts.model_dump()}

    pull = shop.pull()  # the store's new and changed products come back to this integration...
    assert (pull.counts.created, pull.counts.updated) == (0, 0)  # ...as the push left them
    before = shop.calls()
    shop.push()
    assert delta(shop.calls(), before) == {}  # and nothing goes back


def test_a_first_push_of_a_whole_catalog_costs_statements_per_page_not_per_product(
    hub: Hub, serve_store: Callable[..., Store]
) -> None:
    # A merchant's first sync: every product of the catalog made hub-native (as an import
    # would), none differing from Cart.com. The push reads each batch's baselines at once and
    # keeps the page's copies in one upsert, so its SQL grows with the pages, not the products.
    shop = open_shop(hub, serve_store, seed=46)
    shop.pull()
    catalog = shop.copies()
    for wire in catalog.values():
        upsert_hub_product(hub, hub_copy(wire), actor="cli")
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    before = shop.calls()
    event.listen(hub.db.engine, "before_cursor_execute", count)
    try:
        run = shop.push()
    finally:
        event.remove(hub.db.engine, "before_cursor_execute", count)

    assert run.status is RunStatus.SUCCEEDED, run.error
    assert len(catalog) >= 100
    assert (run.counts.unchanged, run.counts.updated, run.counts.failed) == (len(catalog), 0, 0)
    assert writes(delta(shop.calls(), before)) == {}
    pages = -(-len(catalog) // 40)  # the flow's feed page
    assert len(statements) <= 40 + 20 * pages, f"{len(statements)} statements, {pages} pages"


def test_a_child_sku_updates_its_variant_row_and_an_unknown_one_is_an_exception(
    hub: Hub, serve_store: Callable[..., Store]
) -> None:
    shop = open_shop(hub, serve_store, seed=46)
    shop.pull()
    held = shop.copies()
    child = next(p for p in held.values() if p["types"] == ["child"])
    parent = next(p for p in held.values() if p["extProductId"] == child["parentExtProductId"])
    upsert_hub_product(
        hub, hub_copy(parent).model_copy(update={"cost": Decimal("3.33")}), actor="api"
    )
    upsert_hub_product(
        hub, hub_copy(child).model_copy(update={"upc": "4006381333931"}), actor="api"
    )
    stray = Product(sku="NO-SUCH-VARIANT", name="x", types=["child"], price=Decimal(1))
    stray_id = upsert_hub_product(hub, stray, actor="api")["productId"]
    before = shop.calls()

    run = shop.push()

    assert writes(delta(shop.calls(), before)) == {
        "PUT /products/{id}": 1,
        "PUT /variant_inventory/{id}": 1,
    }
    row_id = child["extProductId"].split("-")[1]
    assert shop.api("GET", f"variant_inventory/{row_id}").json()["gtin"] == "4006381333931"
    assert shop.api("GET", f"products/{parent['extProductId']}").json()["cost"] == 3.33
    assert run.counts.failed == 1
    assert "NO-SUCH-VARIANT is not in Cart.com" in shop.open_exceptions()[stray_id]
    # Both writes to the one family are in this integration's copy of it: the pull agrees.
    pulled = shop.pull()
    assert (pulled.counts.created, pulled.counts.updated) == (0, 0)


def test_unset_default_settings_make_an_exception_naming_them_then_a_retry_creates(
    hub: Hub, serve_store: Callable[..., Store]
) -> None:
    shop = open_shop(hub, serve_store, seed=47)
    made = upsert_hub_product(
        hub, Product(sku="NEW-2", name="Lamp", price=Decimal("30")), actor="api"
    )

    failed = shop.push()

    assert failed.status is RunStatus.SUCCEEDED, failed.error
    message = shop.open_exceptions()[made["productId"]]
    assert "productsDefaultCategoryId" in message
    assert "productsDefaultStatusId" in message
    assert shop.cart_products(item_number="NEW-2") == []
    shop.settings(**DEFAULTS)

    retry = shop.push()  # the open exception brings the product back

    assert retry.counts.created == 1
    assert len(shop.cart_products(item_number="NEW-2")) == 1
    assert shop.open_exceptions() == {}


class Crash(Exception):
    """The worker dies right after Cart.com answered a write."""


class CrashAfter(httpx.BaseTransport):
    """Forwards requests; raises once right after the first answered `method path`."""

    def __init__(self, method: str, path: str) -> None:
        self.inner = httpx.HTTPTransport()
        self.method, self.path = method, path
        self.crashed = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        hit = request.method == self.method and request.url.path.startswith(self.path)
        if hit and not self.crashed:
            self.crashed = True
            response.read()
            response.close()
            raise Crash(f"killed after {self.method} {request.url.path}")
        return response

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def crashing() -> Iterator[Callable[[Hub, str, str], FlowRunner]]:
    clients: list[httpx.Client] = []

    def build(hub: Hub, method: str, path: str) -> FlowRunner:
        client = httpx.Client(transport=CrashAfter(method, path))
        clients.append(client)
        return FlowRunner(hub.db, hub.box, hub.registry, http_factory=lambda _i: client)

    yield build
    for client in clients:
        client.close()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/products"),
        ("GET", "/api/v1/products/"),
        ("PUT", "/api/v1/products/"),
        ("PUT", "/api/v1/variant_inventory/"),
    ],
    ids=["after the create", "after the read-back", "after the update", "after the row update"],
)
def test_a_run_killed_after_a_write_is_finished_by_the_next_without_writing_twice(
    hub: Hub,
    serve_store: Callable[..., Store],
    crashing: Callable[[Hub, str, str], FlowRunner],
    method: str,
    path: str,
) -> None:
    shop = open_shop(hub, serve_store, seed=48)
    shop.settings(**DEFAULTS)
    shop.pull()
    held = shop.copies()
    pulled = next(p for p in held.values() if p["types"] == ["simple"])
    child = next(p for p in held.values() if p["types"] == ["child"])
    upsert_hub_product(hub, Product(sku="NEW-3", name="Vase", price=Decimal("8")), actor="api")
    upsert_hub_product(
        hub, hub_copy(pulled).model_copy(update={"cost": Decimal("1.11")}), actor="api"
    )
    upsert_hub_product(hub, hub_copy(child).model_copy(update={"upc": "0001"}), actor="api")
    before = shop.calls()

    died = shop.push(crashing(hub, method, path))

    assert died.status is RunStatus.FAILED
    rerun = shop.push()

    spent = writes(delta(shop.calls(), before))
    assert rerun.status is RunStatus.SUCCEEDED, rerun.error
    assert spent == {"POST /products": 1, "PUT /products/{id}": 1, "PUT /variant_inventory/{id}": 1}
    assert len(shop.cart_products(item_number="NEW-3")) == 1
    assert shop.cart_products(item_number=pulled["sku"])[0]["cost"] == 1.11
    assert shop.open_exceptions() == {}
    held = shop.copies()
    assert "NEW-3" in held
    assert held[child["sku"]]["upc"] == "0001"


def test_a_create_whose_answer_is_lost_is_found_by_its_item_number(
    hub: Hub, serve_store: Callable[..., Store]
) -> None:
    shop = open_shop(hub, serve_store, seed=49)
    shop.settings(**DEFAULTS)
    upsert_hub_product(hub, Product(sku="NEW-4", name="Bowl", price=Decimal("5")), actor="api")
    # The store makes the product, then the connection is reset before any answer.
    shop.store.sandbox.faults.fail_next(1, "reset", endpoint="POST /products")
    before = shop.calls()

    run = shop.push()

    assert run.status is RunStatus.SUCCEEDED, run.error
    assert writes(delta(shop.calls(), before)) == {"POST /products": 1}
    assert run.counts.created == 1
    assert len(shop.cart_products(item_number="NEW-4")) == 1


def test_a_create_not_yet_listed_waits_instead_of_creating_twice(
    hub: Hub, serve_store: Callable[..., Store], crashing: Callable[[Hub, str, str], FlowRunner]
) -> None:
    shop = open_shop(hub, serve_store, seed=50)
    shop.settings(**DEFAULTS)
    made = upsert_hub_product(
        hub, Product(sku="NEW-5", name="Jug", price=Decimal("5")), actor="api"
    )
    shop.store.sandbox.realism.visibility_lag_seconds = 30  # lists show the product late

    died = shop.push(crashing(hub, "POST", "/api/v1/products"))
    rerun = shop.push()

    assert died.status is RunStatus.FAILED
    assert rerun.status is RunStatus.SUCCEEDED, rerun.error
    assert shop.calls()["POST /products"] == 1
    assert "not listed there yet" in shop.open_exceptions()[made["productId"]]
    shop.store.sandbox.realism.visibility_lag_seconds = 0
    shop.store.sandbox.store.flush_pending()

    settled = shop.push()  # the exception is retried: the product is found, not made again

    assert settled.status is RunStatus.SUCCEEDED, settled.error
    assert shop.calls()["POST /products"] == 1
    assert shop.open_exceptions() == {}
    assert len(shop.cart_products(item_number="NEW-5")) == 1


@pytest.mark.parametrize(("owner", "expected"), [("hub", 60.0), ("cartcom", 50.0)])
def test_a_field_changed_on_both_sides_goes_to_its_owner_and_is_noted(
    hub: Hub, serve_store: Callable[..., Store], owner: str, expected: float
) -> None:
    shop = open_shop(hub, serve_store, seed=51)
    shop.settings(productFieldOwner={"price": owner})
    shop.pull()
    pulled = next(p for p in shop.copies().values() if p["types"] == ["simple"])
    cart_id = pulled["extProductId"]
    made = upsert_hub_product(hub, hub_copy(pulled), actor="api")  # the hub takes it over
    shop.push()
    shop.api("PUT", f"products/{cart_id}", json={"price": 50.0, "item_name": "Store name"})
    upsert_hub_product(
        hub,
        hub_copy(pulled).model_copy(update={"price": Decimal(60), "cost": Decimal(2)}),
        actor="api",
    )

    run = shop.push()

    assert run.status is RunStatus.SUCCEEDED, run.error
    now = shop.api("GET", f"products/{cart_id}").json()
    assert now["price"] == expected
    assert now["cost"] == 2.0  # only the hub changed the cost
    assert now["item_name"] == "Store name"  # only Cart.com changed the name: left alone
    with hub.db.read_session() as session:
        events = timeline(session, EntityKind.PRODUCT, made["productId"])
        copy = get_record_by_ext(session, EntityKind.PRODUCT, shop.integration_id, cart_id)
    [note] = [e.note for e in events if e.action == "note"]
    assert note is not None
    assert note.startswith(f"price of SKU {pulled['sku']} changed in both the hub and Cart.com")
    assert copy is not None
    assert copy.data["price"] == expected


def test_another_stores_catalog_is_pushed_only_when_shared_on_purpose(
    hub: Hub, serve_store: Callable[..., Store]
) -> None:
    """Two stores in one hub: B's products, as B's pull brought them, stay out of A by default."""
    shop_a = open_shop(hub, serve_store, seed=46, products=10)
    shop_b = open_shop(hub, serve_store, seed=47, products=10)
    shop_a.settings(**DEFAULTS)
    shop_a.pull()
    shop_b.pull()
    b_skus = set(shop_b.copies()) - set(shop_a.copies())
    assert b_skus
    before = shop_a.calls()

    own = shop_a.push()

    assert own.status is RunStatus.SUCCEEDED, own.error
    assert writes(delta(shop_a.calls(), before)) == {}
    assert not [p for p in shop_a.cart_products() if p["item_number"] in b_skus]
    # Shared on purpose: B's catalog changed after that reaches A.
    shop_a.settings(productsPushCatalogs="shared")
    sku = sorted(b_skus)[0]
    shop_b.api("PUT", f"products/{shop_b.copies()[sku]['extProductId']}", json={"price": 9.25})
    shop_b.pull()
    before = shop_a.calls()

    shared = shop_a.push()

    assert shared.status is RunStatus.SUCCEEDED, shared.error
    assert writes(delta(shop_a.calls(), before)).get("POST /products", 0) >= 1
    [made] = shop_a.cart_products(item_number=sku)
    assert made["price"] == 9.25
