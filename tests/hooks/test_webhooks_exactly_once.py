"""Webhooks are hints: dropped, duplicated, delayed, reordered or forged deliveries end in
exactly the store's orders, a burst is a few runs, and a dropped webhook is seen as such.

All in process: the sandbox delivers to the hub's web app through `SandboxTransport`, and the
hub's flows read the sandbox the same way (`support.webhook_world`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from e2e.expected import expected_orders, strip_hub_fields
from orderhub.connectors.cartcom.sandbox import SandboxTransport
from orderhub.connectors.cartcom.webhook_events import hook_path
from orderhub.domain import FlowName
from orderhub.engine import EmbeddedScheduler
from orderhub.hooks import Debounce
from orderhub.services.integrations import enable_flow
from orderhub.store import integrations as integration_store
from orderhub.store import webhooks as webhook_store
from orderhub.web import create_web_app
from support.webhook_world import LONG_AGO, STORE_URL, WebhookWorld, webhook_world

ORDERS = FlowName.ORDERS_PULL
HOUR = 3600


@pytest.fixture
def world(tmp_path: Path, sqlite_template: Path) -> Iterator[WebhookWorld]:
    with webhook_world(tmp_path, sqlite_template, orders=20) as made:
        made.set_interval(ORDERS, HOUR)  # only a webhook (or a test) can explain a run
        enable_flow(made.hub, made.integration_id, ORDERS, since=LONG_AGO)
        yield made


def _backfill(world: WebhookWorld, scheduler: EmbeddedScheduler) -> None:
    runs = scheduler.run_due_once()
    assert len(runs) == 1
    world.must_succeed(runs)


def _assert_hub_holds_the_store(world: WebhookWorld) -> None:
    expected = expected_orders(
        STORE_URL, world.sandbox.full_token, transport=SandboxTransport(world.sandbox.app)
    )
    held = world.hub_orders()
    assert set(held) == set(expected)
    for ext_id, order in held.items():
        assert strip_hub_fields(order) == expected[ext_id], ext_id


def _activity(world: WebhookWorld, new_orders: int) -> None:
    """New orders, and status changes and edits of older ones, as the API makes them."""
    store = world.sandbox.store
    created = [store.create_order()["id"] for _ in range(new_orders)]
    headers = {"X-AC-Auth-Token": world.sandbox.full_token}
    for index, order_id in enumerate(created[::3]):
        status = (12, 5, 3)[index % 3]  # processing, shipped, cancelled
        answer = world.http.put(
            f"{STORE_URL}/api/v1/orders/{order_id}/status",
            json={"order_status_id": status},
            headers=headers,
        )
        assert answer.status_code == 200, answer.text
    for order_id in created[1::4]:
        store.update_order(order_id, admin_comments="called the customer")


def _forge(world: WebhookWorld, client: httpx.Client) -> None:
    with world.hub.db.read_session() as session:
        secret = webhook_store.endpoint_secret(session, world.integration_id, world.hub.box)
    assert secret is not None
    good = hook_path(world.integration_id, secret)
    order = {"order": {"id": 100001}}
    forged = [
        client.post(hook_path(world.integration_id, "x" * 43), json=order),
        client.post(hook_path("0000000000000000", secret), json=order),
        client.post(good, content=b"{" * 300_000),
        client.post(good, content=b"not json"),
        client.post(good, params={"event": "OrderDeleted"}, json=order),
    ]
    assert [answer.status_code for answer in forged] == [404, 404, 413, 400, 400]


def test_lost_duplicated_delayed_reordered_and_forged_webhooks_end_exactly_once(
    world: WebhookWorld,
) -> None:
    scheduler = world.scheduler()
    _backfill(world, scheduler)
    world.deliver_to_hub(debounce=Debounce.none())  # due at once: the test steps the scheduler
    world.sandbox.webhooks.switches.update(
        {
            "drop_rate": 0.3,
            "duplicate_rate": 0.3,
            "reorder_rate": 0.3,
            "reorder_wait_seconds": 0.2,
            "delay_rate": 0.2,
            "delay_seconds": 0.2,
        }
    )
    hub_app = create_web_app(world.hub, debounce=Debounce.none())
    with httpx.Client(transport=SandboxTransport(hub_app), base_url="http://hub.test") as client:
        _forge(world, client)
    with world.hub.db.read_session() as session:
        assert webhook_store.count_deliveries(session) == 0  # forged: nothing stored

    _activity(world, new_orders=24)
    assert world.sandbox.webhooks.wait_idle(timeout=30)

    deliveries = list(world.sandbox.webhooks.deliveries)
    accepted = [d for d in deliveries if d.get("status_code") == 200]
    assert any(d.get("dropped") for d in deliveries)
    assert len(accepted) == len(deliveries) - sum(1 for d in deliveries if d.get("dropped"))
    with world.hub.db.read_session() as session:
        assert webhook_store.count_deliveries(session) == len(accepted)  # duplicates too
    runs = scheduler.run_due_once()
    assert len(runs) == 1  # every delivery since the backfill: one run
    world.must_succeed(runs)
    assert scheduler.run_due_once() == []
    _assert_hub_holds_the_store(world)


def test_a_dropped_webhook_is_caught_by_the_safety_poll_and_counted_unannounced(
    world: WebhookWorld,
) -> None:
    scheduler = world.scheduler()
    _backfill(world, scheduler)
    world.deliver_to_hub(debounce=Debounce.none())
    announced_id = world.sandbox.store.create_order()["id"]
    world.sandbox.webhooks.switches.update({"drop_rate": 1.0})
    since = world.hub.clock.now() - timedelta(seconds=5)
    lost_id = world.sandbox.store.create_order()["id"]
    assert world.sandbox.webhooks.wait_idle()

    world.must_succeed(scheduler.run_due_once())  # woken by the first order's webhooks
    with world.hub.db.read_session() as session:
        missed = webhook_store.unannounced(
            session, world.integration_id, ORDERS, [str(announced_id), str(lost_id)], since
        )
    assert missed == 1
    _assert_hub_holds_the_store(world)  # the run read by cursor: the lost one came too


@pytest.mark.slow  # a real scheduler thread through a real burst (~5 s quiet, minutes loaded)
def test_a_burst_of_a_thousand_webhooks_is_a_few_runs(world: WebhookWorld) -> None:
    scheduler = world.scheduler(tick_seconds=1.0)
    _backfill(world, scheduler)
    world.deliver_to_hub(scheduler)  # the default debounce, and the scheduler woken
    scheduler.start()
    try:
        started = time.monotonic()
        world.sandbox.store.burst_orders(260)  # NewOrder, OrderPlaced, NewValidOrder, payments…
        assert world.sandbox.webhooks.wait_idle(timeout=120)
        burst_seconds = time.monotonic() - started
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (_due(world) or _running(world)):
            time.sleep(0.1)
    finally:
        scheduler.stop()
    deliveries = list(world.sandbox.webhooks.deliveries)  # the last 1,000
    assert all(d.get("status_code") == 200 for d in deliveries)
    with world.hub.db.read_session() as session:
        stored = webhook_store.count_deliveries(session, world.integration_id)
    runs = world.runs(ORDERS)[:-1]  # all but the backfill
    print(f"\n{stored} webhooks in {burst_seconds:.1f} s -> {len(runs)} orders.pull runs")
    assert stored >= 1000
    # Deliveries that keep coming make the flow due 2 s on (the busy debounce): at most one run
    # per 2 s of burst, and a run or two around it. About 5 s on a quiet machine: at most 6;
    # a loaded machine that stretches the burst gets the same bound per second, never per event.
    assert 1 <= len(runs) <= max(6, math.ceil(burst_seconds / 2) + 3)
    world.must_succeed(runs)
    _assert_hub_holds_the_store(world)


def _due(world: WebhookWorld) -> bool:
    with world.hub.db.read_session() as session:
        state = integration_store.get_flow_state(session, world.integration_id, ORDERS)
    now = world.hub.clock.now()
    return state.next_run_at is None or state.next_run_at <= now


def _running(world: WebhookWorld) -> bool:
    return any(run.finished_at is None for run in world.runs(ORDERS))
