"""Switching pull flows subscribes and unsubscribes their Cart.com webhooks; the connection
test lists and repairs missing and foreign ones; no public URL, no subscription."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from orderhub.connectors.cartcom.webhook_events import FLOW_EVENTS, delivery_url
from orderhub.domain import FlowName
from orderhub.services.integrations import (
    disable_flow,
    enable_flow,
    remove_integration,
    retest_integration,
)
from orderhub.services.webhooks import POLLING_ONLY, last_check
from orderhub.store import integrations as integration_store
from orderhub.store import webhooks as webhook_store
from support.webhook_world import HUB_URL, WebhookWorld, webhook_world

ORDERS = FlowName.ORDERS_PULL
PRODUCTS = FlowName.PRODUCTS_PULL
OTHER_APP = "https://erp.example.com/cart-hooks"


@pytest.fixture
def world(tmp_path: Path, sqlite_template: Path) -> Iterator[WebhookWorld]:
    with webhook_world(tmp_path, sqlite_template) as made:
        yield made


def _secret(world: WebhookWorld) -> str:
    with world.hub.db.read_session() as session:
        secret = webhook_store.endpoint_secret(session, world.integration_id, world.hub.box)
    assert secret is not None
    return secret


def _wanted(world: WebhookWorld, *flows: FlowName, base: str = HUB_URL) -> list[tuple[str, str]]:
    secret = _secret(world)
    return sorted(
        (event, delivery_url(base, world.integration_id, secret, event))
        for flow in flows
        for event in FLOW_EVENTS[flow]
    )


def test_switching_pull_flows_subscribes_and_unsubscribes_their_events(
    world: WebhookWorld,
) -> None:
    world.http.post(
        "http://127.0.0.1:9/api/v1/webhooks",
        json={"event_type": "NewOrder", "url": OTHER_APP},
        headers={"X-AC-Auth-Token": world.sandbox.full_token},
    )
    enable_flow(world.hub, world.integration_id, ORDERS)
    assert world.subscriptions() == sorted([*_wanted(world, ORDERS), ("NewOrder", OTHER_APP)])

    enable_flow(world.hub, world.integration_id, PRODUCTS)
    enable_flow(world.hub, world.integration_id, FlowName.LOCATIONS_PULL)  # wakes by interval
    assert world.subscriptions() == sorted(
        [*_wanted(world, ORDERS, PRODUCTS), ("NewOrder", OTHER_APP)]
    )
    check = last_check(world.hub, world.integration_id)
    assert check is not None
    assert check.ok
    assert check.subscribed == list(FLOW_EVENTS[ORDERS] + FLOW_EVENTS[PRODUCTS])
    assert _secret(world) not in (check.url or "")

    disable_flow(world.hub, world.integration_id, ORDERS)
    assert world.subscriptions() == sorted([*_wanted(world, PRODUCTS), ("NewOrder", OTHER_APP)])
    with world.hub.db.read_session() as session:
        health = webhook_store.flow_health(session, [world.integration_id])
    assert not health[world.integration_id][ORDERS].expected
    assert health[world.integration_id][PRODUCTS].expected

    assert remove_integration(world.hub, world.integration_id) is None
    assert world.subscriptions() == [("NewOrder", OTHER_APP)]  # the merchant's other app stays


def test_the_connection_test_repairs_stale_and_missing_subscriptions(world: WebhookWorld) -> None:
    enable_flow(world.hub, world.integration_id, PRODUCTS)
    old = _wanted(world, PRODUCTS)
    with world.hub.db.session() as session:  # the secret changed (a restored database, say)
        webhook_store.new_secret(
            session, world.integration_id, world.hub.box, now=world.hub.clock.now()
        )
    world.http.delete(  # and one subscription was deleted by hand in Cart.com
        f"http://127.0.0.1:9/api/v1/webhooks/{_first_id(world)}",
        headers={"X-AC-Auth-Token": world.sandbox.full_token},
    )

    report = retest_integration(world.hub, world.integration_id).report

    hooks = report.webhooks
    assert hooks is not None
    assert hooks.ok, hooks
    assert hooks.missing == list(FLOW_EVENTS[PRODUCTS])
    assert len(hooks.foreign) == len(old) - 1
    assert all("••••" in line and _secret(world) not in line for line in hooks.foreign)
    assert (hooks.created, hooks.deleted) == (3, 2)
    assert world.subscriptions() == _wanted(world, PRODUCTS)
    again = retest_integration(world.hub, world.integration_id).report.webhooks
    assert again is not None
    assert (again.created, again.deleted, again.foreign) == (0, 0, [])


def test_a_new_public_url_moves_the_subscriptions(world: WebhookWorld) -> None:
    enable_flow(world.hub, world.integration_id, PRODUCTS)
    world.hub.settings = world.hub.settings.replace(public_url="https://new.example.com/hub")

    hooks = retest_integration(world.hub, world.integration_id).report.webhooks

    assert hooks is not None
    assert hooks.ok
    assert len(hooks.foreign) == 3
    assert world.subscriptions() == _wanted(world, PRODUCTS, base="https://new.example.com/hub")


def _first_id(world: WebhookWorld) -> int:
    answer = world.http.get(
        "http://127.0.0.1:9/api/v1/webhooks",
        params={"sort": "id"},
        headers={"X-AC-Auth-Token": world.sandbox.full_token},
    )
    return int(answer.json()["webhooks"][0]["id"])


def test_without_a_public_url_nothing_is_subscribed(tmp_path: Path, sqlite_template: Path) -> None:
    with webhook_world(tmp_path, sqlite_template, public_url=None) as world:
        enable_flow(world.hub, world.integration_id, ORDERS)
        report = retest_integration(world.hub, world.integration_id).report
        assert world.subscriptions() == []
        assert report.webhooks is not None
        assert report.webhooks.message == POLLING_ONLY
        assert last_check(world.hub, world.integration_id) is None


def test_without_the_system_permission_the_flows_poll_and_the_check_says_why(
    tmp_path: Path, sqlite_template: Path
) -> None:
    scopes = ["read_people", "orders", "catalog", "settings"]
    with webhook_world(tmp_path, sqlite_template, token_scopes=scopes) as world:
        enable_flow(world.hub, world.integration_id, ORDERS)  # still switched on
        check = last_check(world.hub, world.integration_id)
        report = retest_integration(world.hub, world.integration_id).report
        assert world.subscriptions() == []
    assert check is not None
    assert not check.ok
    assert check.missing_permission == (
        "Orders: View and change order data, Other: Perform system tasks"
    )
    assert report.webhooks is not None
    assert report.webhooks.missing_permission == "Other: Perform system tasks"
    assert '"Other: Perform system tasks"' in report.webhooks.message
    assert "polling" in report.webhooks.message


def test_removing_a_disabled_integration_still_deletes_its_webhooks(world: WebhookWorld) -> None:
    enable_flow(world.hub, world.integration_id, PRODUCTS)
    with world.hub.db.session() as session:
        integration_store.disable_integration(
            session, world.integration_id, now=world.hub.clock.now()
        )
    assert remove_integration(world.hub, world.integration_id) is None
    assert world.subscriptions() == []
