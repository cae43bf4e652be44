"""Property: any interleaving of hub stock changes, setting changes, runs and crashed runs ends
with Cart.com holding exactly the formula's quantity for every SKU the hub has stock for.

The sandbox is mounted in process (no socket) to keep each example fast; the code path is the
same client and flow as over loopback.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderhub.clock import SystemClock
from orderhub.connectors.cartcom.flows.inventory_push import InventoryPush
from orderhub.connectors.cartcom.mapping.inventory import cartcom_quantity, counted_locations
from orderhub.connectors.cartcom.mapping.inventory_settings import InventoryRules
from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig, SandboxTransport
from orderhub.domain import FlowName, RunStatus
from orderhub.engine import FlowRegistry, FlowRunner
from orderhub.hub import Hub, default_registry
from orderhub.secrets import SecretBox
from orderhub.services.inventory import set_inventory
from orderhub.settings import Settings
from orderhub.store import integrations as integration_store
from orderhub.store.database import Database
from orderhub.store.records import EntityKind, Origin, list_records, upsert_record

KEY = "inventory-property-test-secret-key"
PUSH = FlowName.INVENTORY_PUSH
SKU_COUNT = 4
LOCATIONS = ("L0", "L1", "L2")


class Crash(InventoryPush):
    def _settle(self, outcome: Any, cursor: Any) -> None:
        raise RuntimeError("crashed after writing to Cart.com")


operation = st.one_of(
    st.tuples(
        st.just("set"),
        st.integers(0, SKU_COUNT - 1),
        st.integers(0, len(LOCATIONS) - 1),
        st.integers(0, 30),
    ),
    st.tuples(st.just("run")),
    st.tuples(st.just("crash")),
    st.tuples(st.just("buffer"), st.integers(0, 5)),
    st.tuples(st.just("only"), st.integers(0, len(LOCATIONS) - 1)),
    st.tuples(st.just("all")),
    st.tuples(st.just("status"), st.integers(0, len(LOCATIONS) - 1), st.booleans()),
)


class World:
    def __init__(self, home: Path, template: Path) -> None:
        self.sandbox = Sandbox(
            SandboxConfig(seed=9, orders=5, products=12, plan="unlimited", cache_ttl_seconds=0)
        )
        self.http = httpx.Client(transport=SandboxTransport(self.sandbox.app))
        shutil.copy(template, home / "hub.db")
        database = Database.from_url(f"sqlite:///{home / 'hub.db'}", migrate=False)
        self.hub = Hub(
            settings=Settings(home=home, database_url="unused://", secret_key=KEY),
            db=database,
            box=SecretBox(KEY),
            registry=default_registry(),
            clock=SystemClock(),
        )
        now = self.hub.clock.now()
        with database.session() as session:
            integration = integration_store.create_integration(
                session,
                connector="cartcom",
                name="Property store",
                api_url="http://127.0.0.1:9",
                api_token=self.sandbox.full_token,
                box=self.hub.box,
                now=now,
            )
            self.integration_id = integration.integration_id
            integration_store.mark_connected(session, self.integration_id, now=now)
            integration_store.set_flow_enabled(session, self.integration_id, PUSH, True, now=now)
        self.skus = self._skus()
        self.location_ids = [self._location(name, active=True) for name in LOCATIONS]

    def close(self) -> None:
        self.http.close()
        self.hub.close()

    def runner(self, flow: type[InventoryPush]) -> FlowRunner:
        registry = FlowRegistry()
        registry.register("cartcom", PUSH, flow.from_context)
        return FlowRunner(
            self.hub.db, self.hub.box, registry, http_factory=lambda _integration: self.http
        )

    def apply(self, op: tuple[Any, ...]) -> None:
        kind = op[0]
        if kind == "set":
            _, sku, location, quantity = op
            set_inventory(
                self.hub,
                sku=self.skus[sku],
                quantity=quantity,
                location_id=self.location_ids[location],
                actor="api",
            )
        elif kind == "run":
            run = self.runner(InventoryPush).run_flow(self.integration_id, PUSH)
            assert run.status is RunStatus.SUCCEEDED, run.error
        elif kind == "crash":
            # Fails after its first page's writes; with nothing to write it just succeeds.
            self.runner(Crash).run_flow(self.integration_id, PUSH)
        elif kind == "buffer":
            self._settings(inventoryBuffer=op[1])
        elif kind == "only":
            self._settings(inventoryLocations=[self.location_ids[op[1]]])
        elif kind == "all":
            self._settings(inventoryLocations=None)
        elif kind == "status":
            self._location(LOCATIONS[op[1]], active=op[2])

    def expected(self) -> dict[str, int]:
        with self.hub.db.session() as session:
            integration = integration_store.get_integration(session, self.integration_id)
            assert integration is not None
            settings_ = integration.settings
            locations = list_records(session, EntityKind.LOCATION)
            records = [r.to_wire() for r in list_records(session, EntityKind.INVENTORY)]
        rules = InventoryRules(
            locations=tuple(settings_["inventoryLocations"])
            if settings_.get("inventoryLocations")
            else None,
            buffer=settings_.get("inventoryBuffer", 0),
        )
        counted = counted_locations(rules, ((r.hub_id, r.data.get("status")) for r in locations))
        return {
            sku: cartcom_quantity(sku, records, counted, rules)
            for sku in {r["sku"] for r in records}
        }

    def cartcom(self, sku: str) -> int:
        answer = self.http.get(
            "http://127.0.0.1:9/api/v1/inventory",
            params={"item_number": sku},
            headers={"X-AC-Auth-Token": self.sandbox.full_token},
        )
        quantity: int = answer.json()["quantity"]
        return quantity

    def _settings(self, **changes: Any) -> None:
        with self.hub.db.session() as session:
            integration_store.update_integration_settings(
                session, self.integration_id, changes, now=self.hub.clock.now()
            )

    def _location(self, name: str, *, active: bool) -> str:
        with self.hub.db.session() as session:
            return upsert_record(
                session,
                EntityKind.LOCATION,
                integration_id=None,
                ext_id=name,
                data={"name": name, "status": "active" if active else "inactive"},
                source_doc=None,
                origin=Origin(None, actor="api"),
                now=self.hub.clock.now(),
            ).hub_id

    def _skus(self) -> list[str]:
        answer = self.http.get(
            "http://127.0.0.1:9/api/v1/products",
            params={"use_variant_inventory": "false", "fields": "id,item_number"},
            headers={"X-AC-Auth-Token": self.sandbox.full_token},
        )
        skus = [p["item_number"] for p in answer.json()["products"] if p["item_number"]]
        variants = self.http.get(
            "http://127.0.0.1:9/api/v1/variant_inventory",
            params={"fields": "id,item_number"},
            headers={"X-AC-Auth-Token": self.sandbox.full_token},
        )
        rows = [v["item_number"] for v in variants.json()["variant_inventory"] if v["item_number"]]
        return [*skus[: SKU_COUNT - 1], rows[0]]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated hub database, copied for each example (migrating each time is slow)."""
    path = tmp_path_factory.mktemp("template") / "hub.db"
    Database.from_url(f"sqlite:///{path}").dispose()
    return path


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(operation, min_size=1, max_size=14))
def test_cartcom_ends_equal_to_the_formula_whatever_the_interleaving(
    template: Path, operations: list[tuple[Any, ...]]
) -> None:
    with tempfile.TemporaryDirectory() as home:
        world = World(Path(home), template)
        try:
            # The first run sets the starting cursor; everything after it must reach Cart.com.
            world.apply(("run",))
            for op in operations:
                world.apply(op)
            world.apply(("run",))
            expected = world.expected()
            assert {sku: world.cartcom(sku) for sku in expected} == expected
        finally:
            world.close()
