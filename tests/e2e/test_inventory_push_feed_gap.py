"""inventory.push on PostgreSQL: a change that commits after a later one is still pushed.

PostgreSQL hands out change-feed seqs at insert, not commit, so a run can see seq N+1 while N
is still in flight. The flow must not save a cursor past N, or N's SKU would never reach
Cart.com. (SQLite serialises writers: there the feed has no gaps, so the test is PG-only.)
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from orderhub.clock import SystemClock
from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig, SandboxTransport
from orderhub.domain import FlowName, RunStatus
from orderhub.engine import FlowRunner
from orderhub.hub import Hub, default_registry
from orderhub.secrets import SecretBox
from orderhub.services.inventory import set_inventory
from orderhub.settings import Settings
from orderhub.store import integrations as integration_store
from orderhub.store.database import Database
from orderhub.store.records import EntityKind, Origin, upsert_record

KEY = "inventory-feed-gap-test-secret-key"
PUSH = FlowName.INVENTORY_PUSH
API = "http://127.0.0.1:9"


def test_a_change_committed_late_is_pushed_on_the_next_run(
    database: Database, tmp_path: Path
) -> None:
    if database.engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises writers: its change feed has no gaps")
    sandbox = Sandbox(
        SandboxConfig(seed=9, orders=5, products=12, plan="unlimited", cache_ttl_seconds=0)
    )
    token = sandbox.full_token
    http = httpx.Client(transport=SandboxTransport(sandbox.app))
    hub = Hub(
        settings=Settings(home=tmp_path, database_url="unused://", secret_key=KEY),
        db=database,
        box=SecretBox(KEY),
        registry=default_registry(),
        clock=SystemClock(),
    )
    with http:
        products = http.get(
            f"{API}/api/v1/products",
            params={"use_variant_inventory": "false", "fields": "id,item_number"},
            headers={"X-AC-Auth-Token": token},
        ).json()["products"]
        late_sku, early_sku = [p["item_number"] for p in products if p["item_number"]][:2]
        now = hub.clock.now()
        with database.session() as session:
            integration_id = integration_store.create_integration(
                session,
                connector="cartcom",
                name="Gap",
                api_url=API,
                api_token=token,
                box=hub.box,
                now=now,
            ).integration_id
            integration_store.mark_connected(session, integration_id, now=now)
            integration_store.set_flow_enabled(session, integration_id, PUSH, True, now=now)
        location = set_inventory(hub, sku="WARM-UP", quantity=0, actor="api")["locationId"]
        runner = FlowRunner(hub.db, hub.box, hub.registry, http_factory=lambda _i: http)

        def push() -> None:
            run = runner.run_flow(integration_id, PUSH)
            assert run.status is RunStatus.SUCCEEDED, run.error

        def quantity(sku: str) -> int:
            answer = http.get(
                f"{API}/api/v1/inventory",
                params={"item_number": sku},
                headers={"X-AC-Auth-Token": token},
            )
            value: int = answer.json()["quantity"]
            return value

        push()  # the first cursor
        slow = database.session()
        late = slow.__enter__()  # a transaction that takes its seq first and commits last
        upsert_record(
            late,
            EntityKind.INVENTORY,
            integration_id=None,
            ext_id=f"{location}:{late_sku}",
            data={"sku": late_sku, "locationId": location, "onHand": 41, "available": 41},
            source_doc=None,
            origin=Origin(None, actor="api"),
            now=hub.clock.now(),
        )
        set_inventory(hub, sku=early_sku, quantity=17, location_id=location, actor="api")

        push()
        assert quantity(early_sku) == 17
        assert quantity(late_sku) != 41

        slow.__exit__(None, None, None)  # commits
        push()
        assert quantity(late_sku) == 41
        assert quantity(early_sku) == 17
