"""fulfillments.push end to end over loopback HTTP: orders pulled from the sandbox, fulfillments
made in the hub, shipments and statuses in the store, exactly once through resets and crashes."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from orderhub.domain import ExceptionStatus, FlowName, Fulfillment, FulfillmentLine, Run, RunStatus
from orderhub.engine import FlowRunner
from orderhub.hub import Hub
from orderhub.services.fulfillments import create_fulfillment, unfulfilled_lines
from orderhub.services.integrations import add_integration, enable_flow
from orderhub.store import exceptions as exception_store
from orderhub.store.records import EntityKind, list_records
from support.stores import Store

from .conftest import CliResult

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
PROCESSING, PARTIALLY_SHIPPED, SHIPPED = 12, 9, 5  # the sandbox's status ids
WRITES = ("POST /order_shipments", "PUT /orders/{id}/status")


@dataclass
class Shop:
    """A sandbox store on loopback, connected to the hub, with fresh orders pulled in."""

    hub: Hub
    store: Store
    integration_id: str
    carts: list[dict[str, Any]]

    def push(self, runner: FlowRunner | None = None, *, trigger: str = "manual") -> Run:
        runner = runner or self.hub.runner()
        return runner.run_flow(self.integration_id, FlowName.FULFILLMENTS_PUSH, trigger=trigger)

    def order_id(self, cart_id: int) -> str:
        with self.hub.db.read_session() as session:
            records = list_records(session, EntityKind.ORDER, limit=10_000)
        return next(r.hub_id for r in records if r.ext_id == str(cart_id))

    def fulfil(
        self, cart_id: int, lines: list[FulfillmentLine] | None = None, **fields: Any
    ) -> str:
        order_id = self.order_id(cart_id)
        wanted = lines if lines is not None else unfulfilled_lines(self.hub, order_id)
        made = create_fulfillment(
            self.hub, Fulfillment(order_id=order_id, line_items=wanted, **fields), actor="api"
        )
        return str(made["fulfillmentId"])

    def api(self, method: str, path: str, **options: Any) -> httpx.Response:
        headers = {"X-AC-Auth-Token": self.store.token, "Cache-Control": "no-cache"}
        return httpx.request(method, f"{self.store.url}/api/v1/{path}", headers=headers, **options)

    def shipments(self, cart_id: int) -> list[dict[str, Any]]:
        reply = self.api("GET", "order_shipments", params={"order_id": cart_id, "expand": "items"})
        records: list[dict[str, Any]] = reply.json()["order_shipments"]
        return records

    def status(self, cart_id: int) -> int:
        return int(self.api("GET", f"orders/{cart_id}").json()["order_status_id"])

    def calls(self) -> dict[str, int]:
        return dict(self.store.sandbox.calls()["byEndpoint"])


def open_shop(hub: Hub, serve_store: Callable[..., Store], *, seed: int, carts: int = 3) -> Shop:
    store = serve_store(seed=seed, orders=10)
    added = add_integration(hub, api_url=store.url, api_key=store.token)
    assert added.report.connected, added.report.summary
    integration_id = added.integration.integration_id
    fresh = [
        store.sandbox.store.get_order(
            store.sandbox.store.create_order(order_status_id=PROCESSING)["id"]
        )
        for _ in range(carts)
    ]
    enable_flow(hub, integration_id, FlowName.ORDERS_PULL, since=LONG_AGO)
    pulled = hub.runner().run_flow(integration_id, FlowName.ORDERS_PULL)
    assert pulled.status is RunStatus.SUCCEEDED, pulled.error
    enable_flow(hub, integration_id, FlowName.FULFILLMENTS_PUSH)
    return Shop(hub, store, integration_id, [c for c in fresh if c is not None])


def delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}


def shippable(cart: dict[str, Any]) -> dict[int, int]:
    return {i["id"]: i["quantity"] for i in cart["items"] if not i["is_discount_item"]}


def test_full_and_partial_fulfillments_become_shipments_and_move_the_order_status(
    hub: Hub, serve_store: Callable[..., Store]
) -> None:
    shop = open_shop(hub, serve_store, seed=31, carts=8)
    full = shop.carts[0]
    part = next(c for c in shop.carts[1:] if sum(shippable(c).values()) > 1)
    full_id = shop.fulfil(
        full["id"],
        tracking_numbers=["1Z001", "1Z002"],
        shipping_carrier="UPS",
        shipping_class="Ground",
        tracking_url="https://track.example/1Z001",
    )
    one_unit = unfulfilled_lines(hub, shop.order_id(part["id"]))[0]
    part_id = shop.fulfil(part["id"], [one_unit.model_copy(update={"quantity": 1})])
    before = shop.calls()

    run = shop.push()

    spent = delta(shop.calls(), before)
    assert run.status is RunStatus.SUCCEEDED, run.error
    assert (run.counts.created, run.counts.failed) == (2, 0)
    [shipment] = shop.shipments(full["id"])
    assert shipment["shipment_name"] == f"OH-{full_id}"
    assert shipment["tracking_numbers"] == "1Z001,1Z002"
    assert shipment["tracking_url"] == "https://track.example/1Z001"
    # Carrier "UPS" and service "Ground" are the store's method UPS Ground (id 1).
    assert (
        shipment["shipping_provider_name"],
        shipment["shipping_method"],
        shipment["shipping_method_id"],
    ) == ("UPS", "UPS Ground", 1)
    assert {i["id"]: i["quantity_shipped"] for i in shipment["items"]} == shippable(full)
    [partial] = shop.shipments(part["id"])
    assert partial["shipment_name"] == f"OH-{part_id}"
    assert [(i["id"], i["quantity_shipped"]) for i in partial["items"]] == [
        (int(one_unit.unique_id or 0), 1)
    ]
    assert (shop.status(full["id"]), shop.status(part["id"])) == (SHIPPED, PARTIALLY_SHIPPED)
    assert spent == {
        "GET /order_statuses": 1,
        # A fulfillment names a carrier: the store's methods, read once per few minutes.
        "GET /shipping_providers": 1,
        "GET /shipping_provider_services": 1,
        "GET /custom_shipping_methods": 1,
        "GET /orders/select_many": 1,
        "GET /order_shipments": 1,
        "POST /order_shipments": 2,
        "PUT /orders/{id}/status": 2,
    }
    assert run.api_calls == sum(spent.values())

    # A re-run with nothing new writes nothing (and here, calls nothing).
    before = shop.calls()
    again = shop.push()
    assert again.status is RunStatus.SUCCEEDED, again.error
    assert delta(shop.calls(), before) == {}

    # The rest of the partial order: a second shipment, and the order is shipped.
    rest_id = shop.fulfil(part["id"], tracking_numbers=["1Z777"])
    shop.push()
    names = {s["shipment_name"] for s in shop.shipments(part["id"])}
    assert names == {f"OH-{part_id}", f"OH-{rest_id}"}
    assert shop.status(part["id"]) == SHIPPED


def test_a_reset_after_the_post_reached_the_store_still_leaves_one_shipment(
    hub: Hub, serve_store: Callable[..., Store]
) -> None:
    shop = open_shop(hub, serve_store, seed=32, carts=1)
    cart = shop.carts[0]
    fulfillment_id = shop.fulfil(cart["id"], tracking_numbers=["1ZRST"])
    # The store makes the shipment, then the TCP connection is reset before any answer.
    shop.store.sandbox.faults.fail_next(1, "reset", endpoint="POST /order_shipments")
    before = shop.calls()

    run = shop.push()

    spent = delta(shop.calls(), before)
    assert run.status is RunStatus.SUCCEEDED, run.error
    assert [s["shipment_name"] for s in shop.shipments(cart["id"])] == [f"OH-{fulfillment_id}"]
    assert shop.status(cart["id"]) == SHIPPED
    assert spent["POST /order_shipments"] == 1  # read back by name, not sent again
    assert spent["GET /order_shipments"] == 2


def test_a_status_change_that_keeps_failing_is_finished_by_a_later_run_without_a_duplicate(
    hub: Hub, serve_store: Callable[..., Store]
) -> None:
    shop = open_shop(hub, serve_store, seed=33, carts=1)
    cart = shop.carts[0]
    fulfillment_id = shop.fulfil(cart["id"])
    # Every attempt at the status change fails, after the shipment was made: the fulfillment
    # becomes an exception (the run goes on: one order must not block the others).
    shop.store.sandbox.faults.fail_next(10, "500", endpoint="PUT /orders/{id}/status")
    impatient = FlowRunner(hub.db, hub.box, hub.registry, sleep=lambda _seconds: None)

    first = shop.push(impatient)

    assert first.status is RunStatus.SUCCEEDED, first.error
    assert first.counts.failed == 1
    assert len(shop.shipments(cart["id"])) == 1
    assert shop.status(cart["id"]) == PROCESSING
    shop.store.sandbox.faults.clear()
    before = shop.calls()

    rerun = shop.push(trigger="retry")

    spent = delta(shop.calls(), before)
    assert rerun.status is RunStatus.SUCCEEDED, rerun.error
    assert [s["shipment_name"] for s in shop.shipments(cart["id"])] == [f"OH-{fulfillment_id}"]
    assert shop.status(cart["id"]) == SHIPPED
    assert "POST /order_shipments" not in spent
    assert spent["PUT /orders/{id}/status"] == 1
    assert (rerun.counts.unchanged, rerun.counts.created) == (1, 0)


def test_an_order_the_store_no_longer_has_becomes_an_exception(
    hub: Hub, serve_store: Callable[..., Store]
) -> None:
    shop = open_shop(hub, serve_store, seed=34, carts=2)
    gone, kept = shop.carts
    gone_id = shop.fulfil(gone["id"])
    shop.fulfil(kept["id"])
    assert shop.api("DELETE", f"orders/{gone['id']}").status_code == 204

    run = shop.push()

    assert run.status is RunStatus.SUCCEEDED, run.error
    assert (run.counts.created, run.counts.failed) == (1, 1)
    with hub.db.read_session() as session:
        [problem] = exception_store.list_exceptions(session, status=ExceptionStatus.OPEN)
    assert (problem.ext_entity_id, problem.exception_type) == (gone_id, "orderNotFound")
    assert problem.flow is FlowName.FULFILLMENTS_PUSH
    assert "was not found in Cart.com" in problem.message
    assert len(shop.shipments(kept["id"])) == 1


@pytest.mark.slow  # two `orderhub` processes
def test_a_fulfillment_created_on_the_command_line_ships_in_the_store(
    hub: Hub, serve_store: Callable[..., Store], cli: Callable[..., CliResult]
) -> None:
    shop = open_shop(hub, serve_store, seed=35, carts=1)
    cart = shop.carts[0]
    with hub.db.read_session() as session:
        [order] = [
            r
            for r in list_records(session, EntityKind.ORDER, limit=100)
            if r.ext_id == str(cart["id"])
        ]
    number = order.data["extOrderId"]

    created = cli(
        "fulfillments",
        "create",
        f"ext:{number}",
        "--tracking",
        "1ZCLI",
        "--carrier",
        "UPS",
        "--json",
    )
    assert created.code == 0, created.stderr
    fulfillment = json.loads(created.stdout)
    synced = cli("sync", shop.integration_id, "fulfillments.push")

    assert synced.code == 0, synced.stderr
    [shipment] = shop.shipments(cart["id"])
    assert shipment["shipment_name"] == f"OH-{fulfillment['fulfillmentId']}"
    assert shipment["tracking_numbers"] == "1ZCLI"
    assert shop.status(cart["id"]) == SHIPPED
