"""A quiet orders.pull fits one steel window (5 calls / 10 s), counted by the sandbox's call
log: the orders it re-reads in its overlap are held as they are, so it reads no address,
customer or status for them. A changed order still gets its addresses and customer, and an
address changed in place still reaches the hub."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from orderhub.clock import FakeClock
from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig, SandboxTransport
from orderhub.domain import FlowName, Run, RunStatus
from orderhub.engine import FlowRunner
from orderhub.hub import Hub, default_registry
from orderhub.secrets import SecretBox
from orderhub.services.integrations import add_integration, enable_flow
from orderhub.settings import Settings
from orderhub.store.database import Database
from orderhub.store.records import EntityKind, get_record_by_ext

KEY = "orders-pull-quiet-secret-key"
STORE_URL = "http://127.0.0.1:9"  # the in-process transport never opens a socket
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
STEEL_WINDOW = 5
ENRICHING = ("GET /order_addresses/select_many", "GET /customers/select_many")


@dataclass
class World:
    hub: Hub
    sandbox: Sandbox
    integration_id: str
    clock: FakeClock
    http: httpx.Client
    worker: FlowRunner
    """As a worker keeps one between runs: its reference cache (the statuses) kept."""

    def pull(self, *, worker: bool = False) -> tuple[Run, dict[str, int]]:
        """Run orders.pull (on the worker, else as a new process would) and the calls it made."""
        self.clock.advance(1)
        before = dict(self.sandbox.calls()["byEndpoint"])
        runner = self.worker if worker else self.hub.runner()
        run = runner.run_flow(self.integration_id, FlowName.ORDERS_PULL)
        assert run.status is RunStatus.SUCCEEDED, run.error
        after = self.sandbox.calls()["byEndpoint"]
        spent = {e: n - before.get(e, 0) for e, n in after.items() if n != before.get(e, 0)}
        return run, spent

    def held(self, order_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
        """The hub's order and the source document it was built from."""
        with self.hub.db.read_session() as session:
            record = get_record_by_ext(
                session, EntityKind.ORDER, self.integration_id, str(order_id)
            )
        assert record is not None, order_id
        return dict(record.data), dict(record.source_doc or {})

    def put(self, path: str, body: dict[str, Any]) -> None:
        answer = self.http.put(
            f"{STORE_URL}/api/v1/{path}",
            json=body,
            headers={"X-AC-Auth-Token": self.sandbox.full_token},
        )
        assert answer.status_code == 200, answer.text


@pytest.fixture
def world(database: Database, tmp_path: Path) -> Iterator[World]:
    settings = Settings(home=tmp_path, database_url="unused://", secret_key=KEY)
    clock = FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    sandbox = Sandbox(SandboxConfig(seed=23, orders=20, products=10, plan="unlimited", clock=clock))
    http = httpx.Client(transport=SandboxTransport(sandbox.app))
    hub = Hub(
        settings=settings,
        db=database,
        box=SecretBox(KEY),
        registry=default_registry(),
        http_factory=lambda _integration: http,
        clock=clock,
    )
    added = add_integration(hub, api_url=STORE_URL, api_key=sandbox.full_token, http=http)
    assert added.report.connected, added.report.summary
    integration_id = added.integration.integration_id
    enable_flow(hub, integration_id, FlowName.ORDERS_PULL, since=LONG_AGO)
    try:
        yield World(hub, sandbox, integration_id, clock, http, hub.runner())
    finally:
        http.close()


def test_a_quiet_pull_fits_one_steel_window_and_a_changed_order_is_still_enriched(
    world: World,
) -> None:
    store = world.sandbox.store
    first, spent = world.pull(worker=True)  # the first full run: every order, enriched
    assert first.counts.created >= 20
    assert all(spent.get(endpoint, 0) >= 1 for endpoint in ENRICHING)
    assert spent.get("GET /order_statuses") == 1
    latest = store.create_order()["id"]  # the next polls re-read it in their overlap
    world.pull(worker=True)

    # Quiet, on the worker (statuses cached) and as a new process would (cache expired): the
    # overlap's order is held as listed — no address, customer or status read.
    for on_worker in (True, False):
        run, spent = world.pull(worker=on_worker)
        assert sum(spent.values()) <= STEEL_WINDOW, spent
        assert not any(endpoint in spent for endpoint in ENRICHING), spent
        assert "GET /order_statuses" not in spent
        assert spent.get("GET /orders") == 1, spent
        assert (run.counts.created, run.counts.updated, run.counts.failed) == (0, 0, 0)
        assert run.counts.unchanged >= 1  # the overlap's order, read and found as held

    # A changed order (in the same overlap as the unchanged one) gets its addresses and
    # customer: one call each, for it alone.
    store.update_order(latest, special_instructions="Leave at the back door")
    run, spent = world.pull()
    assert run.counts.updated == 1
    assert all(spent.get(endpoint) == 1 for endpoint in ENRICHING), spent
    data, source = world.held(latest)
    assert source["order"]["special_instructions"] == "Leave at the back door"
    assert source["customer"] is not None
    assert {a["id"] for a in source["addresses"]} >= {
        source["order"]["order_billing_address_id"],
        source["order"]["order_shipping_address_id"],
    }
    assert data["shippingAddress"]["address1"]


def test_an_address_changed_in_place_reaches_the_hub_although_its_order_looks_unchanged(
    world: World,
) -> None:
    """The order is in the overlap and listed as the hub holds it; its address moved by its own
    `updated_at` alone: the address walk sends the order back to be read in full."""
    store = world.sandbox.store
    world.pull()
    cart_id = int(store.create_order()["id"])
    world.pull()
    _, source = world.held(cart_id)
    address_id = source["order"]["order_shipping_address_id"]
    world.put(f"order_addresses/{address_id}", {"address_line_1": "1 Corrected Street"})
    assert store.get_order(cart_id)["updated_at"] == source["order"]["updated_at"]

    run, spent = world.pull()

    data, source = world.held(cart_id)
    assert data["shippingAddress"]["address1"] == "1 Corrected Street"
    assert run.counts.updated == 1
    assert spent.get("GET /order_addresses/select_many") == 1, spent

    # And the next poll is quiet again.
    run, spent = world.pull()
    assert sum(spent.values()) <= STEEL_WINDOW, spent
    assert (run.counts.created, run.counts.updated) == (0, 0)
