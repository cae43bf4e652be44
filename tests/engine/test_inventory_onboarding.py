"""A store connected costs the other stores' inventory.push nothing (no N² onboarding).

Its first locations.pull brings its warehouses: new active locations, where no stock can be
waiting (stock is set only at a location that exists). They used to wake every store's
inventory.push and change its rules fingerprint, so every store recomputed its whole stock
once per store connected. Now they wake nobody and move no fingerprint; a location that goes
inactive still makes the next look recompute.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig, SandboxTransport
from orderhub.domain import FlowName, Integration, RunStatus
from orderhub.engine import FlowRunner
from orderhub.engine.cadence import feed_watches
from orderhub.engine.errors import NothingToDo
from orderhub.hub import Hub, default_registry
from orderhub.secrets import SecretBox
from orderhub.services.integrations import add_integration, enable_flow
from orderhub.settings import Settings
from orderhub.store.database import Database
from orderhub.store.due_flows import find_due_flows
from orderhub.store.records import EntityKind, Origin, list_records, upsert_record

KEY = "inventory-onboarding-secret-key"
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
INVENTORY = FlowName.INVENTORY_PUSH


def test_a_new_store_s_warehouses_wake_no_other_store_and_a_deactivation_still_counts(
    database: Database, tmp_path: Path
) -> None:
    sandboxes = {
        f"http://127.0.0.{n}:9": Sandbox(
            SandboxConfig(seed=n, orders=2, products=3, plan="unlimited")
        )
        for n in (1, 2, 3)
    }
    clients = {url: httpx.Client(transport=SandboxTransport(s.app)) for url, s in sandboxes.items()}

    def http_for(integration: Integration) -> httpx.Client:
        return clients[integration.api_url.removesuffix("/api/v1").rstrip("/")]

    settings = Settings(home=tmp_path, database_url="unused://", secret_key=KEY)
    hub = Hub(settings=settings, db=database, box=SecretBox(KEY), registry=default_registry())
    runner = FlowRunner(
        database, hub.box, hub.registry, http_factory=http_for, share_call_budgets=False
    )
    try:
        ids = []
        for url, sandbox in sandboxes.items():
            added = add_integration(hub, api_url=url, api_key=sandbox.full_token, http=clients[url])
            ids.append(added.integration.integration_id)
        first, second, newcomer = ids
        for integration_id in (first, second):
            enable_flow(hub, integration_id, INVENTORY, since=LONG_AGO)
            assert runner.run_flow(integration_id, INVENTORY).status is RunStatus.SUCCEEDED
        enable_flow(hub, newcomer, FlowName.LOCATIONS_PULL, since=LONG_AGO)

        pulled = runner.run_flow(newcomer, FlowName.LOCATIONS_PULL)  # its warehouses arrive

        assert pulled.status is RunStatus.SUCCEEDED
        assert pulled.counts.created >= 1
        with database.read_session() as session:
            due = find_due_flows(session, now=hub.clock.now(), feeds=feed_watches(runner.registry))
        assert [d for d in due if d.flow is INVENTORY] == []
        for integration_id in (first, second):  # asked anyway: nothing for it to do
            with pytest.raises(NothingToDo):
                runner.run_flow(integration_id, INVENTORY, trigger="schedule", only_if_due=True)

        with database.session() as session:  # one of its warehouses closes
            warehouse = list_records(session, EntityKind.LOCATION, integration_id=newcomer)[0]
            upsert_record(
                session,
                EntityKind.LOCATION,
                integration_id=newcomer,
                ext_id=warehouse.ext_id,
                data={**warehouse.data, "status": "inactive"},
                source_doc=warehouse.source_doc,
                origin=Origin(newcomer, actor="flow"),
                now=hub.clock.now(),
            )
        # Its next look (no trigger, nothing new in the feed) sees the figures may have moved.
        run = runner.run_flow(first, INVENTORY, trigger="schedule", only_if_due=True)
        assert run.status is RunStatus.SUCCEEDED
    finally:
        for client in clients.values():
            client.close()
