"""`POST /integrations/{id}/verify` and `GET /integrations/{id}/verifications`, in-process.

The API app is called in-process (no server: the sync ASGI transport the sandbox tests use);
the store it verifies is a sandbox served on loopback, as the verifier builds its own client
like it does in production.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from orderhub.api import create_app
from orderhub.connectors.cartcom.sandbox import SandboxTransport
from orderhub.domain import FlowName
from orderhub.hub import Hub
from orderhub.services.apikeys import create_api_key
from orderhub.services.integrations import add_integration, enable_flow
from support.stores import StartStore, Store
from support.verify_world import pull_position

from .conftest import API, add_integration_row

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


@pytest.fixture
def client(hub: Hub) -> Iterator[httpx.Client]:
    _, key = create_api_key(hub, name="writer", scope="readwrite")
    transport = SandboxTransport(create_app(hub))  # any ASGI app, called in-process
    with httpx.Client(
        transport=transport,
        base_url="http://hub.test",
        headers={"Authorization": f"Bearer {key}"},
        timeout=60.0,
    ) as test:
        yield test


def connect(hub: Hub, store: Store) -> str:
    integration_id = add_integration(hub, api_url=store.url, api_key=store.token)
    enable_flow(
        hub, integration_id.integration.integration_id, FlowName.ORDERS_PULL, since=LONG_AGO
    )
    hub.runner().run_flow(integration_id.integration.integration_id, FlowName.ORDERS_PULL)
    return integration_id.integration.integration_id


def forge(hub: Hub, store: Store, integration_id: str, count: int) -> None:
    behind = pull_position(hub, integration_id, FlowName.ORDERS_PULL) - timedelta(minutes=5)
    store.sandbox.store.burst_orders(count, updated_at=behind)


def test_verify_repairs_and_the_history_keeps_it(
    hub: Hub, client: httpx.Client, serve_store: StartStore
) -> None:
    store = serve_store(seed=3, orders=20)
    integration_id = connect(hub, store)
    forge(hub, store, integration_id, 2)

    answer = client.post(f"{API}/integrations/{integration_id}/verify")

    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    assert body["complete"] is True
    [orders] = body["verifications"]
    assert (orders["flow"], orders["missing"], orders["refetched"]) == ("orders.pull", 2, 2)
    assert orders["summary"].endswith("re-fetched 2, now 0 missing")
    assert orders["trigger"] == "api"

    forge(hub, store, integration_id, 1)
    reported = client.post(
        f"{API}/integrations/{integration_id}/verify", json={"refetch": False}
    ).json()
    assert reported["complete"] is False
    assert reported["verifications"][0]["remaining"] == 1

    history = client.get(f"{API}/integrations/{integration_id}/verifications").json()
    assert history["pagination"]["total"] == 2
    assert [v["missing"] for v in history["verifications"]] == [1, 2]  # newest first
    one = client.get(
        f"{API}/integrations/{integration_id}/verifications",
        params={"flow": "orders.pull", "count": 1},
    ).json()
    assert len(one["verifications"]) == 1
    assert one["pagination"]["last"] is False


def test_verify_refuses_what_cannot_be_verified(hub: Hub, client: httpx.Client) -> None:
    never = add_integration_row(hub, connected=False).integration_id

    assert client.post(f"{API}/integrations/nope/verify").status_code == 404
    assert client.get(f"{API}/integrations/nope/verifications").status_code == 404
    refused = client.post(f"{API}/integrations/{never}/verify")
    assert refused.status_code == 409
    assert "not connected" in refused.json()["message"]
    unknown = client.post(f"{API}/integrations/{never}/verify", json={"refetch": "maybe"})
    assert unknown.status_code == 422
