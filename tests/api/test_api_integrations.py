"""Integrations through the API: Connect against a sandbox store, switch flows, sync now."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from orderhub.api import attach_scheduler
from orderhub.domain import FlowName
from orderhub.engine import EmbeddedScheduler
from orderhub.store import integrations as integration_store
from support.stores import Store

from .conftest import API, Api, add_integration_row, days_ago, wait_until


def connect(api: Api, store: Store, name: str = "My store") -> str:
    response = api.writer.post(
        f"{API}/integrations", json={"apiUrl": store.url, "apiKey": store.token, "name": name}
    )
    assert response.status_code == 201, response.text
    assert response.json()["connection"]["connected"] is True
    return str(response.json()["integration"]["integrationId"])


def test_adding_an_integration_runs_the_connection_test_and_never_shows_the_key(
    api: Api, serve_store: Callable[..., Store]
) -> None:
    store = serve_store(orders=5)
    response = api.writer.post(
        f"{API}/integrations", json={"apiUrl": store.url, "apiKey": store.token, "name": "Shop"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True
    assert body["code"] == 201
    integration = body["integration"]
    assert integration["status"] == "connected"
    assert integration["name"] == "Shop"
    assert integration["apiKeyHint"].endswith(store.token[-4:])
    assert integration["apiKeyHint"].startswith("•")
    assert all(flow["enabled"] is False for flow in integration["flows"])
    assert len(integration["flows"]) == len(FlowName)
    assert body["connection"]["ok"] is True
    assert store.token not in response.text

    integration_id = integration["integrationId"]
    listed = api.reader.get(f"{API}/integrations")
    assert [i["integrationId"] for i in listed.json()["integrations"]] == [integration_id]
    got = api.reader.get(f"{API}/integrations/{integration_id}")
    assert got.json()["integration"]["status"] == "connected"
    assert store.token not in listed.text + got.text
    assert (
        api.reader.get(f"{API}/integrations", params={"status": "error"}).json()["integrations"]
        == []
    )


def test_a_wrong_key_is_refused_naming_the_key_and_creates_nothing(
    api: Api, serve_store: Callable[..., Store]
) -> None:
    store = serve_store(orders=1)
    wrong = "wrong-token-123456789"
    for _attempt in range(2):
        response = api.writer.post(
            f"{API}/integrations", json={"apiUrl": store.url, "apiKey": wrong}
        )
        assert response.status_code == 422
        body = response.json()
        assert body["success"] is False
        assert body["message"].startswith("apiKey: Cart.com rejected the API token")
        assert wrong not in response.text
    assert api.reader.get(f"{API}/integrations").json()["pagination"]["total"] == 0


def test_an_unreachable_store_is_refused_naming_the_url_and_creates_nothing(api: Api) -> None:
    response = api.writer.post(
        f"{API}/integrations", json={"apiUrl": "http://127.0.0.1:9", "apiKey": "some-key"}
    )
    assert response.status_code == 422
    assert response.json()["message"].startswith("apiUrl: Cannot reach http://127.0.0.1:9")
    assert api.reader.get(f"{API}/integrations").json()["pagination"]["total"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"apiUrl": "https://shop.example", "apiKey": "   "}, "apiKey"),
        ({"apiUrl": "", "apiKey": "token"}, "apiUrl"),
        ({"apiKey": "token"}, "apiUrl"),
        ({"apiUrl": "https://shop.example", "apiKey": "t", "extra": 1}, "extra"),
    ],
)
def test_a_bad_add_request_is_422_naming_the_field_and_creates_nothing(
    api: Api, body: dict[str, object], field: str
) -> None:
    response = api.writer.post(f"{API}/integrations", json=body)
    assert response.status_code == 422
    assert response.json()["message"].startswith(f"{field}:")
    assert api.reader.get(f"{API}/integrations").json()["pagination"]["total"] == 0


def test_flows_are_switched_on_with_a_backfill_start_and_off_again(api: Api) -> None:
    integration_id = add_integration_row(api.hub).integration_id
    since = "2025-01-01T00:00:00Z"
    response = api.writer.put(
        f"{API}/integrations/{integration_id}",
        json={
            "flows": {
                "orders.pull": {"enabled": True, "since": since, "intervalSeconds": 300},
                "fulfillments.push": {"enabled": True},
            }
        },
    )
    assert response.status_code == 200, response.text
    flows = {f["flow"]: f for f in response.json()["integration"]["flows"]}
    assert flows["orders.pull"]["enabled"] is True
    assert flows["orders.pull"]["enabledAt"]
    assert flows["orders.pull"]["intervalSeconds"] == 300
    assert flows["fulfillments.push"]["enabled"] is True
    with api.hub.db.read_session() as session:
        state = integration_store.get_flow_state(session, integration_id, FlowName.ORDERS_PULL)
    assert state.start_from == datetime(2025, 1, 1, tzinfo=UTC)

    off = api.writer.put(
        f"{API}/integrations/{integration_id}", json={"flows": {"orders.pull": {"enabled": False}}}
    )
    flows = {f["flow"]: f for f in off.json()["integration"]["flows"]}
    assert flows["orders.pull"]["enabled"] is False
    assert flows["fulfillments.push"]["enabled"] is True


def test_bad_flow_changes_are_refused_before_anything_changes(api: Api) -> None:
    integration_id = add_integration_row(api.hub).integration_id
    url = f"{API}/integrations/{integration_id}"

    unknown = api.writer.put(url, json={"flows": {"orders.teleport": {"enabled": True}}})
    assert unknown.status_code == 422
    assert unknown.json()["message"].startswith("flows.orders.teleport")

    contradictory = api.writer.put(
        url,
        json={
            "flows": {
                "fulfillments.push": {"enabled": True},
                "orders.pull": {"enabled": False, "since": "2025-01-01T00:00:00Z"},
            }
        },
    )
    assert contradictory.status_code == 422
    flows = api.reader.get(url).json()["integration"]["flows"]
    assert not any(f["enabled"] for f in flows), "a refused change must change nothing"

    missing = set(FlowName) - api.hub.registry.available("cartcom")
    if missing:
        flow = sorted(missing)[0]
        refused = api.writer.put(url, json={"flows": {flow.value: {"enabled": True}}})
        assert refused.status_code == 409
        assert "not available yet" in refused.json()["message"]

    assert api.writer.put(f"{API}/integrations/nope", json={"flows": {}}).status_code == 404


def test_sync_now_runs_in_the_background_and_its_run_appears(
    api: Api, serve_store: Callable[..., Store]
) -> None:
    store = serve_store(orders=5)
    integration_id = connect(api, store)
    api.writer.put(
        f"{API}/integrations/{integration_id}",
        json={"flows": {"orders.pull": {"enabled": True, "since": days_ago(100).isoformat()}}},
    ).raise_for_status()

    response = api.writer.post(f"{API}/integrations/{integration_id}/sync")
    assert response.status_code == 202
    body = response.json()
    assert body["success"] is True
    assert body["flows"] == ["orders.pull"]
    assert body["runs"] == f"/api/v3/runs?integration={integration_id}"

    def finished_run() -> dict[str, object] | None:
        runs = api.reader.get(f"{API}/runs", params={"integration": integration_id}).json()
        done = [r for r in runs["runs"] if r["status"] != "running"]
        return done[0] if done else None

    run = wait_until(finished_run)
    assert run["status"] == "succeeded", run
    assert run["trigger"] == "manual"
    assert run["flow"] == "orders.pull"
    assert api.reader.get(f"{API}/runs/{run['runId']}").json()["run"]["runId"] == run["runId"]
    orders = api.reader.get(f"{API}/orders", params={"integration": integration_id}).json()
    assert orders["pagination"]["total"] == 5
    assert all(o["integration"] == integration_id for o in orders["orders"])


def test_sync_is_refused_when_nothing_could_run(api: Api) -> None:
    never_connected = add_integration_row(api.hub, connected=False).integration_id
    refused = api.writer.post(f"{API}/integrations/{never_connected}/sync")
    assert refused.status_code == 409
    assert "never connected" in refused.json()["message"]

    connected = add_integration_row(api.hub).integration_id
    nothing_on = api.writer.post(f"{API}/integrations/{connected}/sync")
    assert nothing_on.status_code == 409
    assert "No flow is on" in nothing_on.json()["message"]
    off_flow = api.writer.post(
        f"{API}/integrations/{connected}/sync", json={"flows": ["orders.pull"]}
    )
    assert off_flow.status_code == 409
    assert "orders.pull" in off_flow.json()["message"]
    assert api.writer.post(f"{API}/integrations/nope/sync").status_code == 404
    assert api.reader.get(f"{API}/runs").json()["runs"] == []


def test_with_a_scheduler_attached_sync_makes_the_flow_due_instead_of_running_it(
    api: Api, serve_store: Callable[..., Store]
) -> None:
    store = serve_store(orders=3)
    integration_id = connect(api, store)
    api.writer.put(
        f"{API}/integrations/{integration_id}",
        json={"flows": {"orders.pull": {"enabled": True, "since": days_ago(100).isoformat()}}},
    ).raise_for_status()
    scheduler = EmbeddedScheduler(api.hub.runner(), api.hub.db)  # not started: we drive it
    attach_scheduler(api.app, scheduler)
    # The flow was just enabled, so it is due already; a run clears that, then sync re-arms it.
    assert len(scheduler.run_due_once()) == 1
    assert scheduler.run_due_once() == []

    response = api.writer.post(f"{API}/integrations/{integration_id}/sync")
    assert response.status_code == 202
    assert api.reader.get(f"{API}/runs").json()["pagination"]["total"] == 1  # nothing ran yet
    [run] = scheduler.run_due_once()
    assert run.flow is FlowName.ORDERS_PULL
    assert api.reader.get(f"{API}/runs").json()["pagination"]["total"] == 2


def test_secret_looking_settings_are_masked(api: Api) -> None:
    integration_id = add_integration_row(api.hub).integration_id
    with api.hub.db.session() as session:
        integration_store.update_integration_settings(
            session,
            integration_id,
            {"webhook": {"signingSecret": "whsec-0123456789abcdef"}, "timezone": "UTC"},
            now=api.hub.clock.now(),
        )
    response = api.reader.get(f"{API}/integrations/{integration_id}")
    settings = response.json()["integration"]["settings"]
    assert settings["timezone"] == "UTC"
    assert settings["webhook"]["signingSecret"].endswith("cdef")
    assert "0123456789" not in response.text
    assert "token-that-must-never-show" not in response.text
