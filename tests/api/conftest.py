"""REST API fixtures: a migrated SQLite hub, the API served on loopback, keyed HTTP clients.

The API is served by uvicorn on a free loopback port (as `orderhub serve` does) and called
with plain httpx clients: one without a key, one with a `read` key, one with a `readwrite`
key. Sandbox stores are started on loopback like the e2e suite's `serve_store`.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from orderhub.api import api_state, create_app
from orderhub.api.state import ServiceResolver, hub_service
from orderhub.domain import (
    Fulfillment,
    FulfillmentLine,
    Integration,
    Inventory,
    LineItem,
    Location,
    Order,
    OrderStatus,
    Product,
)
from orderhub.hub import Hub, build_hub
from orderhub.serving import serve_in_thread
from orderhub.settings import Settings
from orderhub.store import integrations as integration_store
from orderhub.store.records import EntityKind, Origin, UpsertResult, upsert_record
from support.stores import StartStore, Store

API = "/api/v3"


@pytest.fixture
def serve_store(serve_store: StartStore) -> StartStore:
    """The suite's stores, with a small catalog unless a test asks for more."""

    def start(**config: Any) -> Store:
        config.setdefault("products", 10)
        return serve_store(**config)

    return start


@pytest.fixture
def hub(tmp_path: Path, sqlite_template: Path) -> Iterator[Hub]:
    """A hub in a fresh home, on a copy of the suite's migrated SQLite template."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copyfile(sqlite_template, home / "orderhub.db")
    built = build_hub(Settings.from_env({"ORDERHUB_HOME": str(home)}), migrate=False)
    yield built
    built.close()


@dataclass
class Api:
    """The served API and clients for it."""

    hub: Hub
    app: FastAPI
    url: str
    anon: httpx.Client
    reader: httpx.Client
    writer: httpx.Client
    keys: dict[str, str] = field(default_factory=dict)

    def wait_for_background(self, timeout: float = 30.0) -> None:
        assert api_state(self.app).background.wait(timeout), "background work did not finish"


@pytest.fixture
def resolve_service() -> ServiceResolver:
    """How the app finds write services; tests override this fixture to inject fakes."""
    return hub_service


@pytest.fixture
def api(hub: Hub, resolve_service: ServiceResolver) -> Iterator[Api]:
    from orderhub.services.apikeys import create_api_key

    app = create_app(hub, resolve_service=resolve_service)
    _, read_key = create_api_key(hub, name="reader", scope="read")
    _, write_key = create_api_key(hub, name="writer", scope="readwrite")
    with serve_in_thread(app) as served:
        clients = [
            httpx.Client(base_url=served.url, timeout=30.0, headers=headers)
            for headers in (
                {},
                {"Authorization": f"Bearer {read_key}"},
                {"Authorization": f"Bearer {write_key}"},
            )
        ]
        try:
            yield Api(
                hub=hub,
                app=app,
                url=served.url,
                anon=clients[0],
                reader=clients[1],
                writer=clients[2],
                keys={"read": read_key, "readwrite": write_key},
            )
            api_state(app).background.wait(30.0)
        finally:
            for client in clients:
                client.close()


# -- seeding ----------------------------------------------------------------------------------


def add_integration_row(
    hub: Hub, *, name: str = "Test store", connected: bool = True
) -> Integration:
    """An integration row for runs, exceptions and records to point at.

    No store is behind it: its URL is a closed loopback port, so even a flow started by
    mistake could not reach beyond this machine.
    """
    with hub.db.session() as session:
        created = integration_store.create_integration(
            session,
            connector="cartcom",
            name=name,
            api_url="http://127.0.0.1:9",
            api_token="token-that-must-never-show-0000",
            box=hub.box,
            now=hub.clock.now(),
        )
        if connected:
            return integration_store.mark_connected(
                session, created.integration_id, now=hub.clock.now()
            )
        return created


def order(
    number: str, *, status: OrderStatus = OrderStatus.NEW, api_id: str | None = None
) -> Order:
    return Order(
        ext_order_id=number,
        ext_order_api_id=api_id or number.lstrip("#"),
        status=status,
        currency="USD",
        total_price=Decimal("12.50"),
        line_items=[LineItem(unique_id="1", sku="SKU-1", quantity=1, item_price=Decimal("12.50"))],
    )


def put(
    hub: Hub,
    kind: EntityKind,
    model: Order | Product | Inventory | Location | Fulfillment,
    *,
    ext_id: str,
    integration_id: str | None,
    at: datetime | None = None,
) -> UpsertResult:
    """Store a record as a flow (integration set) or the hub (None) would."""
    with hub.db.session() as session:
        return upsert_record(
            session,
            kind,
            integration_id=integration_id,
            ext_id=ext_id,
            data=model.to_wire(),
            source_doc=None,
            origin=Origin(integration_id=integration_id, actor="flow" if integration_id else "api"),
            now=at or hub.clock.now(),
        )


def seed_every_kind(hub: Hub, integration_id: str) -> dict[str, str]:
    """One record of each kind; returns their hub ids by kind."""
    ids = {
        "order": put(
            hub, EntityKind.ORDER, order("#1001"), ext_id="1001", integration_id=integration_id
        ),
        "product": put(
            hub,
            EntityKind.PRODUCT,
            Product(sku="SKU-1", name="Mug", ext_product_id="77", price=Decimal("12.5")),
            ext_id="77",
            integration_id=integration_id,
        ),
        "location": put(
            hub,
            EntityKind.LOCATION,
            Location(name="Main warehouse", ext_location_id="1", is_default=True),
            ext_id="1",
            integration_id=integration_id,
        ),
        "inventory": put(
            hub,
            EntityKind.INVENTORY,
            Inventory(sku="SKU-1", location_id="1", on_hand=5, available=5),
            ext_id="SKU-1@1",
            integration_id=None,
        ),
    }
    fulfillment = Fulfillment(
        order_id=ids["order"].hub_id,
        ext_fulfillment_id="F-1",
        tracking_numbers=["1Z999"],
        shipping_carrier="UPS",
        line_items=[FulfillmentLine(sku="SKU-1", quantity=1)],
    )
    ids["fulfillment"] = put(
        hub, EntityKind.FULFILLMENT, fulfillment, ext_id="F-1", integration_id=None
    )
    return {kind: result.hub_id for kind, result in ids.items()}


def wait_until(check: Callable[[], Any], *, timeout: float = 30.0, every: float = 0.05) -> Any:
    """Poll `check` until it returns something truthy; fail the test after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"condition not met within {timeout}s")
        time.sleep(every)


def days_ago(days: float) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)
