"""orders.pull end to end over loopback HTTP: complete, exactly once, incremental."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from orderhub.domain import ExceptionStatus, FlowName, RunStatus
from orderhub.hub import Hub
from orderhub.services.integrations import add_integration, enable_flow
from orderhub.store import exceptions as exception_store
from orderhub.store.records import EntityKind, count_records, list_records
from support.stores import Store

from .expected import expected_orders, strip_hub_fields

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def connect(hub: Hub, store: Store, *, since: datetime | None = LONG_AGO) -> str:
    result = add_integration(hub, api_url=store.url, api_key=store.token)
    assert result.report.ok, result.report.summary
    integration_id = result.integration.integration_id
    enable_flow(hub, integration_id, FlowName.ORDERS_PULL, since=since)
    return integration_id


def hub_orders(hub: Hub) -> dict[str, dict[str, Any]]:
    with hub.db.session() as session:
        records = list_records(session, EntityKind.ORDER, limit=1_000_000)
        return {r.ext_id: r.to_wire() for r in records}


def sync(hub: Hub, integration_id: str) -> Any:
    run = hub.runner().run_flow(integration_id, FlowName.ORDERS_PULL, trigger="manual")
    assert run.status is RunStatus.SUCCEEDED, run.error
    return run


ORDERS = 2000


@pytest.mark.slow
def test_backfill_brings_every_order_exactly_once_within_the_call_budget(
    hub: Hub, serve_store: Callable[..., Store]
) -> None:
    # 2,000 orders (was 5,000, at 2.5 times the cost): 20 pages of orders and 8 calls of each
    # child stream (250 a call) already cross every page and batch boundary many times.
    store = serve_store(seed=7, orders=ORDERS)
    integration_id = connect(hub, store)
    calls_before = store.sandbox.calls()["total"]

    run = sync(hub, integration_id)

    calls = store.sandbox.calls()["total"] - calls_before
    expected = expected_orders(store.url, store.token)
    held = hub_orders(hub)
    assert len(expected) == ORDERS
    assert set(held) == set(expected)
    for ext_id, order in held.items():
        assert strip_hub_fields(order) == expected[ext_id], ext_id
    assert run.counts.created == ORDERS
    assert run.counts.failed == 0
    assert run.api_calls == calls
    # A page of 100 orders: 3 calls, and a 4th for the items of its shipments (which give each
    # line its shipped quantity); plus the child streams at 250 a call. Was 35 per 1,000
    # before shipped quantities were read.
    assert calls <= 45 * ORDERS / 1000, f"{calls} calls for {ORDERS} orders"


def test_orders_created_and_updated_between_runs_arrive_on_the_next_run(
    hub: Hub, serve_store: Callable[..., Store]
) -> None:
    store = serve_store(seed=3, orders=300)
    integration_id = connect(hub, store)
    sync(hub, integration_id)
    assert len(hub_orders(hub)) == 300

    new = store.sandbox.store.create_order()
    some_id = next(iter(hub_orders(hub)))
    store.sandbox.store.update_order(int(some_id), special_instructions="Leave at the back door")
    run = sync(hub, integration_id)

    held = hub_orders(hub)
    assert str(new["id"]) in held
    assert held[some_id]["orderNote"] == "Leave at the back door"
    assert run.counts.created == 1
    assert run.counts.updated >= 1
    assert strip_hub_fields(held[some_id]) == expected_orders(store.url, store.token)[some_id]


def test_a_burst_sharing_one_updated_at_across_page_boundaries_is_not_lost_or_duplicated(
    hub: Hub, serve_store: Callable[..., Store]
) -> None:
    store = serve_store(seed=5, orders=120)
    integration_id = connect(hub, store)
    burst_ids = store.sandbox.store.burst_orders(333)

    run = sync(hub, integration_id)

    held = hub_orders(hub)
    assert {str(i) for i in burst_ids} <= set(held)
    assert len(held) == 120 + 333
    assert run.counts.created == 453


def test_orders_updated_while_a_run_pages_are_neither_lost_nor_duplicated(
    hub: Hub, serve_store: Callable[..., Store]
) -> None:
    store = serve_store(seed=11, orders=1500)
    integration_id = connect(hub, store)
    store.sandbox.realism.mutate_while_paging = 5

    sync(hub, integration_id)
    store.sandbox.realism.mutate_while_paging = 0
    # Whatever moved during the first run is caught up by the next one, never skipped for good.
    sync(hub, integration_id)

    held = hub_orders(hub)
    expected = expected_orders(store.url, store.token)
    assert set(held) == set(expected)
    assert {k: strip_hub_fields(v) for k, v in held.items()} == expected


def test_a_flow_enabled_later_still_brings_everything_since_the_integration_was_enabled(
    hub: Hub, serve_store: Callable[..., Store]
) -> None:
    store = serve_store(seed=2, orders=200)
    result = add_integration(hub, api_url=store.url, api_key=store.token)
    integration_id = result.integration.integration_id
    assert result.integration.enabled_at is not None
    placed_after_connect = store.sandbox.store.create_order()

    enable_flow(hub, integration_id, FlowName.ORDERS_PULL)  # no --since: from enabledAt
    sync(hub, integration_id)

    held = hub_orders(hub)
    assert set(held) == {str(placed_after_connect["id"])}, (
        "history before enabledAt needs a backfill"
    )


def test_a_malformed_order_becomes_an_exception_and_the_others_arrive(
    hub: Hub, serve_store: Callable[..., Store]
) -> None:
    store = serve_store(seed=4, orders=50)
    integration_id = connect(hub, store)
    no_items = store.sandbox.store.create_order()
    for line in store.sandbox.store.get_order(no_items["id"], expand=True)["items"]:
        deleted = httpx.delete(
            f"{store.url}/api/v1/order_items/{line['id']}", headers={"X-AC-Auth-Token": store.token}
        )
        assert deleted.status_code == 204
    bad_status = store.sandbox.store.create_order(order_status_id=987654)

    good_status = no_items["order_status_id"]
    run = sync(hub, integration_id)

    held = hub_orders(hub)
    assert len(held) == 50
    assert str(no_items["id"]) not in held
    assert run.counts.failed == 2
    with hub.db.session() as session:
        open_ = exception_store.list_exceptions(session, status=ExceptionStatus.OPEN)
    by_id = {e.ext_entity_id: e for e in open_}
    assert set(by_id) == {str(no_items["id"]), str(bad_status["id"])}
    assert by_id[str(bad_status["id"])].raw is not None

    # Fixed in the store, the order arrives on the next run and its exception clears itself.
    store.sandbox.store.update_order(bad_status["id"], order_status_id=good_status)
    run = sync(hub, integration_id)
    with hub.db.session() as session:
        still_open = {
            e.ext_entity_id
            for e in exception_store.list_exceptions(session, status=ExceptionStatus.OPEN)
        }
        assert count_records(session, EntityKind.ORDER) == 51
    assert still_open == {str(no_items["id"])}


def test_a_change_before_the_cursor_window_is_not_refetched(
    hub: Hub, serve_store: Callable[..., Store]
) -> None:
    store = serve_store(seed=8, orders=100)
    integration_id = connect(hub, store)
    sync(hub, integration_id)
    calls_before = store.sandbox.calls()["total"]
    by_before = dict(store.sandbox.calls()["byEndpoint"])

    run = sync(hub, integration_id)

    # A quiet store costs one steel window (5 calls): the orders page of the re-read overlap —
    # its orders held as listed, so no address, customer or status read — and one page each of
    # shipments, payments, lines and addresses (followed by their own updated_at, open question
    # 4) — whose rows, held as they are, read no order again (and the addresses, as the hub
    # holds them with their orders, ask no order list which uses them).
    spent = {
        endpoint: count - by_before.get(endpoint, 0)
        for endpoint, count in store.sandbox.calls()["byEndpoint"].items()
        if count != by_before.get(endpoint, 0)
    }
    assert spent == {
        "GET /orders": 1,
        "GET /order_shipments": 1,
        "GET /order_payments": 1,
        "GET /order_items": 1,
        "GET /order_addresses": 1,
    }
    assert store.sandbox.calls()["total"] - calls_before == 5
    assert run.counts.created == 0
    assert run.counts.updated == 0


def test_each_line_knows_its_shipped_quantity_once_the_store_ships_it(
    hub: Hub, serve_store: Callable[..., Store]
) -> None:
    store = serve_store(seed=9, orders=60)
    integration_id = connect(hub, store)
    sync(hub, integration_id)
    open_order = next(
        o
        for o in hub_orders(hub).values()
        if o["status"] in ("new", "readyForFulfillment") and o["lineItems"][0]["quantity"] >= 1
    )
    line = open_order["lineItems"][0]
    headers = {"X-AC-Auth-Token": store.token}
    with httpx.Client(base_url=store.url + "/api/v1/", headers=headers) as http:
        answer = http.post(
            "order_shipments",
            json={
                "order_id": int(open_order["extOrderApiId"]),
                "tracking_numbers": "1Z999",
                "items": [{"id": int(line["uniqueId"]), "quantity_shipped": 1}],
            },
        )
        assert answer.status_code in (200, 201), answer.text

    sync(hub, integration_id)

    shipped = hub_orders(hub)[open_order["extOrderApiId"]]
    quantities = {item["uniqueId"]: item.get("shippedQuantity") for item in shipped["lineItems"]}
    assert quantities[line["uniqueId"]] == 1
    assert all(q == 0 for u, q in quantities.items() if u != line["uniqueId"])
