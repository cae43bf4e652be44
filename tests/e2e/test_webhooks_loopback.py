"""Embedded mode end to end, over real loopback HTTP: the sandbox store delivers its webhooks
to the hub's receiver, and a new order is in the hub's REST API within seconds although the
flow's poll interval is an hour — only the webhook can explain it."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from orderhub.domain import FlowName
from orderhub.engine import EmbeddedScheduler
from orderhub.hub import Hub
from orderhub.services.apikeys import create_api_key
from orderhub.services.integrations import add_integration, enable_flow
from orderhub.serving import serve_in_thread
from orderhub.store import integrations as integration_store
from orderhub.store import webhooks as webhook_store
from orderhub.web import create_web_app
from support.stores import Store

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
ORDERS = FlowName.ORDERS_PULL


def _wait_for_order(api: httpx.Client, order_id: int, timeout: float) -> float | None:
    """Seconds until `GET /orders/api:<id>` finds the order, or None."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if api.get(f"/api/v3/orders/api:{order_id}").status_code == 200:
            return time.monotonic() - started
        time.sleep(0.05)
    return None


def test_a_new_order_reaches_the_hub_by_webhook_within_seconds(
    hub: Hub, serve_store: Callable[..., Store]
) -> None:
    store = serve_store(seed=5, orders=30, plan="unlimited", cache_ttl_seconds=0)
    scheduler = EmbeddedScheduler(hub.runner(), hub.db, tick_seconds=1.0)
    with serve_in_thread(create_web_app(hub, scheduler=scheduler)) as web:
        hub.settings = hub.settings.replace(public_url=web.url)
        added = add_integration(hub, api_url=store.url, api_key=store.token)
        assert added.report.ok, added.report.summary
        integration_id = added.integration.integration_id
        with hub.db.session() as session:
            integration_store.set_flow_interval(session, integration_id, ORDERS, 3600)
        enable_flow(hub, integration_id, ORDERS, since=LONG_AGO)
        _key_id, key = create_api_key(hub, name="e2e", scope="read")
        scheduler.start()
        try:
            with httpx.Client(
                base_url=web.url, headers={"Authorization": f"Bearer {key}"}, timeout=10
            ) as api:
                seeded = max(int(o["id"]) for o in _store_orders(store))
                assert _wait_for_order(api, seeded, timeout=30) is not None  # the backfill
                latencies = []
                for _ in range(3):
                    order_id = store.sandbox.store.create_order()["id"]
                    latency = _wait_for_order(api, order_id, timeout=15)
                    assert latency is not None, f"order {order_id} never reached the hub"
                    latencies.append(latency)
        finally:
            scheduler.stop()
    print(f"\nwebhook -> hub REST API: {', '.join(f'{s:.2f} s' for s in latencies)}")
    assert max(latencies) < 5.0
    with hub.db.read_session() as session:
        deliveries = webhook_store.list_deliveries(session, integration_id, limit=1000)
    assert {"NewOrder", "OrderPlaced", "NewValidOrder"} <= {d.event_type for d in deliveries}


def _store_orders(store: Store) -> list[dict[str, object]]:
    answer = httpx.get(
        f"{store.url}/api/v1/orders",
        params={"count": "250", "fields": "id"},
        headers={"X-AC-Auth-Token": store.token},
    )
    orders: list[dict[str, object]] = answer.json()["orders"]
    return orders
