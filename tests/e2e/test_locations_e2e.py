"""locations.pull end to end over loopback HTTP: whole lists, one call each, gone -> inactive."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from orderhub.domain import FlowName, RunStatus
from orderhub.hub import Hub
from orderhub.services.integrations import add_integration, enable_flow
from orderhub.store.feed import changes_since
from orderhub.store.records import EntityKind, list_records
from support.stores import Store


def connect(hub: Hub, url: str, token: str) -> str:
    result = add_integration(hub, api_url=url, api_key=token)
    assert result.integration.enabled_at is not None, result.report.summary
    integration_id = result.integration.integration_id
    enable_flow(hub, integration_id, FlowName.LOCATIONS_PULL)
    return integration_id


def pull(hub: Hub, integration_id: str) -> Any:
    return hub.runner().run_flow(integration_id, FlowName.LOCATIONS_PULL)


def hub_locations(hub: Hub) -> dict[str, dict[str, Any]]:
    with hub.db.session() as session:
        return {r.ext_id: r.data for r in list_records(session, EntityKind.LOCATION, limit=1000)}


def location_changes(hub: Hub) -> int:
    with hub.db.session() as session:
        return len(changes_since(session, EntityKind.LOCATION, 0, limit=10_000))


def test_warehouses_and_store_locations_arrive_in_three_calls_and_again_in_no_write(
    hub: Hub, serve_store: Callable[..., Store]
) -> None:
    store = serve_store(seed=2, orders=10, products=10)
    integration_id = connect(hub, store.url, store.token)
    before = store.sandbox.calls()

    run = pull(hub, integration_id)

    after = store.sandbox.calls()
    assert run.status is RunStatus.SUCCEEDED, run.error
    assert after["total"] - before["total"] == 3
    assert {
        key: after["byEndpoint"][key] - before["byEndpoint"].get(key, 0)
        for key in ("GET /warehouses", "GET /store_locations", "GET /stores")
    } == {"GET /warehouses": 1, "GET /store_locations": 1, "GET /stores": 1}
    held = hub_locations(hub)
    assert set(held) == {"warehouse:1", "warehouse:2", "store-location:1", "store-location:2"}
    main = held["warehouse:1"]
    assert main["name"] == "Main Warehouse"
    assert main["kind"] == "warehouse"
    assert main["isDefault"] is True
    assert main["status"] == "active"
    assert main["address"]["city"] == "Beaumont"
    assert held["warehouse:2"]["isDefault"] is False
    showroom = held["store-location:1"]
    assert showroom["kind"] == "storeLocation"
    assert showroom["name"] == "Beaumont Showroom"
    assert showroom["address"]["country"] == "United States"  # from /stores
    assert run.counts.created == 4

    changes = location_changes(hub)
    again = pull(hub, integration_id)
    assert again.status is RunStatus.SUCCEEDED
    assert (again.counts.created, again.counts.updated, again.counts.unchanged) == (0, 0, 4)
    assert location_changes(hub) == changes


def test_a_warehouse_gone_from_cartcom_becomes_inactive_and_a_new_one_arrives(
    hub: Hub, serve_store: Callable[..., Store]
) -> None:
    store = serve_store(seed=2, orders=10, products=10)
    integration_id = connect(hub, store.url, store.token)
    pull(hub, integration_id)
    api = httpx.Client(
        base_url=store.url + "/api/v1/", headers={"X-AC-Auth-Token": store.token}, timeout=10
    )
    with api:
        assert api.delete("warehouses/2").status_code in (200, 204)
        created = api.post("warehouses", json={"name": "Dallas Overflow", "city": "Dallas"})
        assert created.status_code == 201
        new_id = created.json()["id"]

    run = pull(hub, integration_id)

    held = hub_locations(hub)
    assert run.status is RunStatus.SUCCEEDED, run.error
    assert held["warehouse:2"]["status"] == "inactive"
    assert held["warehouse:2"]["name"] == "West Coast Fulfillment"  # kept, not deleted
    assert held[f"warehouse:{new_id}"]["name"] == "Dallas Overflow"
    assert held["warehouse:1"]["status"] == "active"
    assert (run.counts.created, run.counts.updated) == (1, 1)
    # Already inactive: the next run writes nothing more.
    again = pull(hub, integration_id)
    assert (again.counts.created, again.counts.updated) == (0, 0)


def test_without_the_system_scope_locations_come_without_the_stores_country(
    hub: Hub, serve_store: Callable[..., Store]
) -> None:
    store = serve_store(seed=2, orders=10, products=10)
    token = store.sandbox.mint_token(["settings", "read_orders", "read_people", "catalog"])
    integration_id = connect(hub, store.url, token)

    run = pull(hub, integration_id)

    assert run.status is RunStatus.SUCCEEDED, run.error
    held = hub_locations(hub)
    assert len(held) == 4
    assert "country" not in held["store-location:2"]["address"]
    assert held["warehouse:1"]["address"]["country"] == "United States"


def test_without_the_settings_scope_the_run_fails_with_a_clear_line(
    hub: Hub, serve_store: Callable[..., Store]
) -> None:
    store = serve_store(seed=2, orders=10, products=10)
    token = store.sandbox.mint_token(["read_orders", "read_people"])
    integration_id = connect(hub, store.url, token)

    run = pull(hub, integration_id)

    assert run.status is RunStatus.FAILED
    assert run.error is not None
    assert "settings" in run.error
    assert token not in run.error
    assert hub_locations(hub) == {}
