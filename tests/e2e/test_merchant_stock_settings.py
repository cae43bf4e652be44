"""A merchant's inventory and field-owner settings, typed as text, take effect on the next run.

In process against the sandbox (`SandboxTransport`): settings go through the same service the
portal, the API and the CLI use (`change_settings`), then the flows run as usual.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig, SandboxTransport
from orderhub.domain import FlowName, Product, Run, RunStatus
from orderhub.errors import UsageError
from orderhub.hub import Hub
from orderhub.services.integration_settings import change_settings, integration_history
from orderhub.services.integrations import add_integration, enable_flow
from orderhub.services.inventory import set_inventory
from orderhub.services.products import upsert_hub_product
from orderhub.store import integrations as integration_store
from orderhub.store.records import EntityKind, list_records

STORE_URL = "http://127.0.0.1:9"  # never opened: the in-process transport answers
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
PUSH = FlowName.INVENTORY_PUSH


@dataclass
class Shop:
    hub: Hub
    sandbox: Sandbox
    http: httpx.Client
    integration_id: str

    def run(self, flow: FlowName) -> Run:
        run = self.hub.runner().run_flow(self.integration_id, flow)
        assert run.status is RunStatus.SUCCEEDED, run.error
        return run

    def change(self, **changes: str | None) -> list[str]:
        return change_settings(self.hub, self.integration_id, changes, actor="portal")

    def api(self, method: str, path: str, **options: Any) -> httpx.Response:
        headers = {"X-AC-Auth-Token": self.sandbox.full_token, "Cache-Control": "no-cache"}
        return self.http.request(method, f"{STORE_URL}/api/v1/{path}", headers=headers, **options)

    def quantity(self, sku: str) -> int:
        answer = self.api("GET", "inventory", params={"item_number": sku})
        assert answer.status_code == 200, answer.text
        quantity: int = answer.json()["quantity"]
        return quantity

    def locations(self) -> dict[str, tuple[str, str]]:
        """ext id -> (hub id, name)."""
        with self.hub.db.read_session() as session:
            found = list_records(session, EntityKind.LOCATION, integration_id=self.integration_id)
        return {r.ext_id: (r.hub_id, r.data["name"]) for r in found}

    def simple_skus(self) -> list[str]:
        rows = self.api(
            "GET", "products", params={"use_variant_inventory": "false", "count": "250"}
        ).json()["products"]
        return [row["item_number"] for row in rows if row["item_number"]]


@pytest.fixture
def shop(hub: Hub) -> Iterator[Shop]:
    sandbox = Sandbox(SandboxConfig(seed=61, orders=5, products=30, plan="unlimited"))
    with httpx.Client(transport=SandboxTransport(sandbox.app)) as http:
        hub.http_factory = lambda _integration: http
        added = add_integration(hub, api_url=STORE_URL, api_key=sandbox.full_token, http=http)
        assert added.report.connected, added.report.summary
        yield Shop(hub, sandbox, http, added.integration.integration_id)


def test_buffers_and_counted_locations_set_as_text_reach_the_stores_stock(shop: Shop) -> None:
    hub, integration_id = shop.hub, shop.integration_id
    enable_flow(hub, integration_id, FlowName.LOCATIONS_PULL)
    enable_flow(hub, integration_id, PUSH)
    shop.run(FlowName.LOCATIONS_PULL)
    (main, main_name), (west, west_name) = (
        shop.locations()["warehouse:1"],
        shop.locations()["warehouse:2"],
    )
    sku, other = shop.simple_skus()[:2]
    for each in (sku, other):
        set_inventory(hub, sku=each, quantity=10, location_id=main, actor="cli")
        set_inventory(hub, sku=each, quantity=5, location_id=west, actor="cli")
    shop.run(PUSH)
    assert (shop.quantity(sku), shop.quantity(other)) == (15, 15)

    # A buffer of 2 and only the main warehouse counted: typed as a merchant would.
    lines = shop.change(inventoryBuffer="2", inventoryLocations=main_name.upper())
    assert lines == [
        "inventoryBuffer: (not set) → 2",
        f"inventoryLocations: (every active location) → {main_name}",
    ]
    with hub.db.read_session() as session:
        integration = integration_store.get_integration(session, integration_id)
        state = integration_store.get_flow_state(session, integration_id, PUSH)
    assert integration is not None
    assert integration.settings["inventoryLocations"] == [main]  # the id: a rename keeps it
    assert state.next_run_at is not None
    assert state.next_run_at <= hub.clock.now()

    shop.run(PUSH)  # no stock moved: the changed rules alone make it recompute
    assert (shop.quantity(sku), shop.quantity(other)) == (8, 8)

    shop.change(inventoryBufferBySku=f"{sku.lower()}=0")  # the hub's spelling is stored
    shop.run(PUSH)
    assert (shop.quantity(sku), shop.quantity(other)) == (10, 8)

    shop.change(inventoryLocations=None)  # reset: every active location again
    shop.run(PUSH)
    assert (shop.quantity(sku), shop.quantity(other)) == (15, 13)
    notes = [e.note for e in integration_history(hub, integration_id)]
    assert f"inventoryBufferBySku: (every SKU holds back the number above) → {sku}=0" in notes
    assert f"inventoryLocations: {main_name} → the default (every active location)" in notes
    assert west_name != main_name


def test_a_bad_or_unknown_value_changes_nothing_and_says_which(shop: Shop) -> None:
    hub, integration_id = shop.hub, shop.integration_id
    enable_flow(hub, integration_id, FlowName.LOCATIONS_PULL)
    shop.run(FlowName.LOCATIONS_PULL)
    sku = shop.simple_skus()[0]
    set_inventory(
        hub, sku=sku, quantity=1, location_id=shop.locations()["warehouse:1"][0], actor="cli"
    )
    cases = {
        "inventoryLocations": (
            "main warehouse, Nowhere Depot",
            "no hub location is called 'Nowhere Depot'; the",
        ),
        "inventoryBufferBySku": (
            f"{sku}=1, NO-SUCH=2",
            "no hub product or stock has the SKU 'NO-SUCH'",
        ),
        "inventoryBuffer": ("-3", "must be a whole number of units from 0 to 1000000"),
        "productFieldOwner": ("price=store", "price: the owner must be hub or cartcom"),
    }
    for key, (text, said) in cases.items():
        with pytest.raises(UsageError) as caught:  # a good value beside it is not stored either
            shop.change(**{"productsPushCatalogs": "shared", key: text})
        assert str(caught.value).startswith(f"{key}: "), caught.value
        assert said in str(caught.value)
    with hub.db.read_session() as session:
        integration = integration_store.get_integration(session, integration_id)
    assert integration is not None
    assert integration.settings == {}
    assert integration_history(hub, integration_id) == []


def test_a_field_the_store_owns_keeps_the_stores_value_on_a_conflict(shop: Shop) -> None:
    hub, integration_id = shop.hub, shop.integration_id
    enable_flow(hub, integration_id, FlowName.PRODUCTS_PULL, since=LONG_AGO)
    enable_flow(hub, integration_id, FlowName.PRODUCTS_PUSH)
    assert shop.change(productFieldOwner="PRICE=CartCom, name=hub") == [
        "productFieldOwner: (the hub owns every field) → name=hub, price=cartcom"
    ]
    shop.run(FlowName.PRODUCTS_PULL)
    with hub.db.read_session() as session:
        pulled = next(
            r.to_wire()
            for r in list_records(
                session, EntityKind.PRODUCT, integration_id=integration_id, limit=1000
            )
            if r.data.get("types") == ["simple"]
        )
    cart_id = pulled["extProductId"]
    taken = {
        k: v
        for k, v in pulled.items()
        if k not in ("productId", "integration", "createdAt", "updatedAt")
    }
    upsert_hub_product(hub, Product.model_validate(taken), actor="api")  # the hub takes it over
    shop.run(FlowName.PRODUCTS_PUSH)
    shop.api("PUT", f"products/{cart_id}", json={"price": 50.0})
    changed = Product.model_validate(taken).model_copy(
        update={"price": Decimal(60), "cost": Decimal(2)}
    )
    upsert_hub_product(hub, changed, actor="api")

    shop.run(FlowName.PRODUCTS_PUSH)

    now = shop.api("GET", f"products/{cart_id}").json()
    assert now["price"] == 50.0  # both changed it: Cart.com owns the price
    assert now["cost"] == 2.0  # only the hub changed the cost
