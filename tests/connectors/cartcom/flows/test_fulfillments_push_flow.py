"""fulfillments.push against the in-process sandbox: exactly once through crashes, exceptions,
echo rules, first position, call budget, dry run. (Loopback HTTP: tests/e2e.)"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig, SandboxTransport
from orderhub.domain import (
    ExceptionStatus,
    FlowName,
    Fulfillment,
    FulfillmentLine,
    Run,
    RunStatus,
)
from orderhub.engine import FlowRunner
from orderhub.hub import Hub, default_registry
from orderhub.secrets import SecretBox
from orderhub.services.fulfillments import create_fulfillment, unfulfilled_lines
from orderhub.services.integrations import add_integration, enable_flow
from orderhub.settings import Settings
from orderhub.store import exceptions as exception_store
from orderhub.store.database import Database
from orderhub.store.records import EntityKind, Origin, get_record, list_records, upsert_record
from orderhub.store.timeline import timeline

KEY = "fulfillments-push-flow-test-secret-key"
STORE_URL = "http://127.0.0.1:9"  # any loopback URL: the transport never opens a socket
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
PROCESSING = 12  # sandbox status ids: 12 Processing, 9 Partially Shipped, 5 Shipped
PARTIALLY_SHIPPED = 9
SHIPPED = 5


class ProcessDied(Exception):
    """Stands for the worker dying between Cart.com's answer and the hub's commit."""


class CrashAfterPost(httpx.BaseTransport):
    """Forwards every call; after the first POST /order_shipments got through, it 'dies'."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.armed = True

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if (
            self.armed
            and request.method == "POST"
            and request.url.path.endswith("/order_shipments")
        ):
            self.armed = False
            raise ProcessDied("killed right after Cart.com made the shipment")
        return response


@dataclass
class World:
    hub: Hub
    sandbox: Sandbox
    integration_id: str
    cart_orders: list[dict[str, Any]]
    http: httpx.Client

    def runner(self, transport: httpx.BaseTransport | None = None) -> FlowRunner:
        http = self.http if transport is None else httpx.Client(transport=transport)
        return FlowRunner(
            self.hub.db,
            self.hub.box,
            self.hub.registry,
            http_factory=lambda _integration: http,
            sleep=lambda _seconds: None,
        )

    def push(self, *, transport: httpx.BaseTransport | None = None, **options: Any) -> Run:
        return self.runner(transport).run_flow(
            self.integration_id, FlowName.FULFILLMENTS_PUSH, **options
        )

    def api(self, method: str, path: str, **options: Any) -> httpx.Response:
        headers = {"X-AC-Auth-Token": self.sandbox.full_token, "Cache-Control": "no-cache"}
        return self.http.request(method, f"{STORE_URL}/api/v1/{path}", headers=headers, **options)

    def shipments(self, cart_id: int) -> list[dict[str, Any]]:
        answer = self.api("GET", "order_shipments", params={"order_id": cart_id, "expand": "items"})
        records: list[dict[str, Any]] = answer.json()["order_shipments"]
        return records

    def status(self, cart_id: int) -> int:
        order = self.sandbox.store.get_order(cart_id, expand=False)
        assert order is not None
        return int(order["order_status_id"])

    def hub_order_id(self, cart_id: int) -> str:
        with self.hub.db.read_session() as session:
            records = list_records(session, EntityKind.ORDER, limit=1000)
        return next(r.hub_id for r in records if r.ext_id == str(cart_id))

    def fulfil(
        self, cart_id: int, lines: list[FulfillmentLine] | None = None, **fields: Any
    ) -> str:
        order_id = self.hub_order_id(cart_id)
        wanted = lines if lines is not None else unfulfilled_lines(self.hub, order_id)
        made = create_fulfillment(
            self.hub, Fulfillment(order_id=order_id, line_items=wanted, **fields), actor="api"
        )
        return str(made["fulfillmentId"])

    def open_exceptions(self) -> dict[str, Any]:
        with self.hub.db.read_session() as session:
            items = exception_store.list_exceptions(session, status=ExceptionStatus.OPEN)
        return {item.ext_entity_id: item for item in items}

    def posts(self) -> int:
        return int(self.sandbox.calls()["byEndpoint"].get("POST /order_shipments", 0))


@pytest.fixture
def world(database: Database, tmp_path: Path) -> Iterator[World]:
    sandbox = Sandbox(SandboxConfig(seed=21, orders=5, plan="unlimited"))
    settings = Settings(home=tmp_path, database_url="unused://", secret_key=KEY)
    hub = Hub(settings=settings, db=database, box=SecretBox(KEY), registry=default_registry())
    http = httpx.Client(transport=SandboxTransport(sandbox.app))
    added = add_integration(hub, api_url=STORE_URL, api_key=sandbox.full_token, http=http)
    assert added.report.connected, added.report.summary
    integration_id = added.integration.integration_id
    cart_orders = [
        sandbox.store.get_order(sandbox.store.create_order(order_status_id=PROCESSING)["id"])
        for _ in range(6)
    ]
    world = World(hub, sandbox, integration_id, [o for o in cart_orders if o is not None], http)
    enable_flow(hub, integration_id, FlowName.ORDERS_PULL, since=LONG_AGO)
    pulled = world.runner().run_flow(integration_id, FlowName.ORDERS_PULL)
    assert pulled.status is RunStatus.SUCCEEDED, pulled.error
    enable_flow(hub, integration_id, FlowName.FULFILLMENTS_PUSH)
    yield world
    http.close()


def several_units(world: World) -> dict[str, Any]:
    """A fresh Cart.com order with more than one unit to ship (so it can ship in parts)."""
    return next(o for o in world.cart_orders if sum(i["quantity"] for i in o["items"]) > 1)


def test_a_crash_after_the_post_leaves_one_shipment_and_the_rerun_finishes_the_job(
    world: World,
) -> None:
    cart = world.cart_orders[0]
    fulfillment_id = world.fulfil(cart["id"], tracking_numbers=["1Z999"])

    crashed = world.push(transport=CrashAfterPost(SandboxTransport(world.sandbox.app)))
    assert crashed.status is RunStatus.FAILED
    assert "killed right after" in (crashed.error or "")
    assert len(world.shipments(cart["id"])) == 1  # Cart.com made it; the hub never heard back
    assert world.status(cart["id"]) == PROCESSING

    posts = world.posts()
    rerun = world.push()

    assert rerun.status is RunStatus.SUCCEEDED, rerun.error
    shipments = world.shipments(cart["id"])
    assert [s["shipment_name"] for s in shipments] == [f"OH-{fulfillment_id}"]
    assert shipments[0]["tracking_numbers"] == "1Z999"
    assert world.posts() == posts, "the rerun found the shipment instead of posting again"
    assert world.status(cart["id"]) == SHIPPED
    assert (rerun.counts.unchanged, rerun.counts.created) == (1, 0)


@pytest.mark.parametrize(
    ("fault", "posts"),
    [
        pytest.param("reset", 1, id="reset-after-cartcom-made-it"),
        pytest.param("500", 2, id="500-before-cartcom-made-it"),
    ],
)
def test_a_post_without_an_answer_is_read_back_before_anything_is_sent_again(
    world: World, fault: str, posts: int
) -> None:
    cart = world.cart_orders[1]
    world.fulfil(cart["id"])
    world.sandbox.faults.fail_next(1, fault, endpoint="POST /order_shipments")
    before = world.posts()

    run = world.push()

    assert run.status is RunStatus.SUCCEEDED, run.error
    assert len(world.shipments(cart["id"])) == 1
    assert world.posts() - before == posts
    assert world.status(cart["id"]) == SHIPPED
    assert run.counts.created == 1


def test_partial_fulfillments_make_one_shipment_each_and_move_the_status_step_by_step(
    world: World,
) -> None:
    cart = several_units(world)
    order_id = world.hub_order_id(cart["id"])
    one_unit = unfulfilled_lines(world.hub, order_id)[0].model_copy(update={"quantity": 1})
    first = world.fulfil(cart["id"], [one_unit])

    world.push()

    assert world.status(cart["id"]) == PARTIALLY_SHIPPED
    with world.hub.db.read_session() as session:
        events = timeline(session, EntityKind.FULFILLMENT, first)
    [shipment] = world.shipments(cart["id"])
    assert events[-1].action == "note"
    assert events[-1].note == (
        f"Shipped in Cart.com as shipment {shipment['id']} (OH-{first}) "
        f"of order #{cart['order_number'] or cart['id']}"
    )
    assert (events[-1].integration_id, events[-1].flow) == (
        world.integration_id,
        "fulfillments.push",
    )
    rest = world.fulfil(cart["id"], tracking_numbers=["A", "B"])
    run = world.push()

    assert run.status is RunStatus.SUCCEEDED, run.error
    by_name = {s["shipment_name"]: s for s in world.shipments(cart["id"])}
    assert set(by_name) == {f"OH-{first}", f"OH-{rest}"}
    assert by_name[f"OH-{first}"]["items"][0]["quantity_shipped"] == 1
    assert by_name[f"OH-{rest}"]["tracking_numbers"] == "A,B"
    shipped = sum(i["quantity_shipped"] for s in by_name.values() for i in s["items"])
    assert shipped == sum(i["quantity"] for i in cart["items"] if not i["is_discount_item"])
    assert world.status(cart["id"]) == SHIPPED


def test_only_this_stores_orders_are_pushed_and_never_its_own_changes(world: World) -> None:
    cart = world.cart_orders[2]
    hub_order_id = world.hub_order_id(cart["id"])
    with world.hub.db.session() as session:
        now = datetime.now(UTC)
        native = upsert_record(
            session,
            EntityKind.ORDER,
            integration_id=None,
            ext_id="manual-1",
            data={
                "extOrderId": "M-1",
                "extOrderApiId": "555",
                "status": "readyForFulfillment",
                "lineItems": [{"uniqueId": "1", "sku": "X", "quantity": 1, "itemPrice": 1}],
            },
            source_doc=None,
            origin=Origin(None, actor="api"),
            now=now,
        )
        for order_id, integration_id, origin in [
            (native.hub_id, None, Origin(None, actor="api")),  # an order of no store
            (hub_order_id, world.integration_id, Origin(world.integration_id)),  # its own write
        ]:
            upsert_record(
                session,
                EntityKind.FULFILLMENT,
                integration_id=integration_id,
                ext_id=f"f-{order_id}",
                data={
                    "orderId": order_id,
                    "lineItems": [{"uniqueId": "1", "sku": "X", "quantity": 1}],
                },
                source_doc=None,
                origin=origin,
                now=now,
            )
    calls = world.sandbox.calls()["total"]

    run = world.push()

    assert run.status is RunStatus.SUCCEEDED, run.error
    assert world.sandbox.calls()["total"] == calls
    assert run.counts.fetched == 0
    assert world.shipments(cart["id"]) == []


def test_unknown_orders_lines_and_quantities_become_exceptions_and_the_rest_ships(
    world: World,
) -> None:
    gone, lost_line, shipped_there, fine = world.cart_orders[:4]
    ids = {
        "gone": world.fulfil(gone["id"]),
        "lost_line": world.fulfil(lost_line["id"]),
        "shipped_there": world.fulfil(shipped_there["id"]),
        "fine": world.fulfil(fine["id"]),
    }
    assert world.api("DELETE", f"orders/{gone['id']}").status_code == 204
    item = lost_line["items"][0]
    assert world.api("DELETE", f"order_items/{item['id']}").status_code == 204
    # The merchant shipped a unit in Cart.com directly: the hub's full shipment no longer fits.
    made_there = world.api(
        "POST",
        "order_shipments",
        json={
            "order_id": shipped_there["id"],
            "items": [{"id": shipped_there["items"][0]["id"], "quantity_shipped": 1}],
        },
    ).json()

    run = world.push()

    assert run.status is RunStatus.SUCCEEDED, run.error
    assert (run.counts.created, run.counts.failed) == (1, 3)
    assert len(world.shipments(fine["id"])) == 1
    problems = world.open_exceptions()
    assert {
        key: problems[value].exception_type for key, value in ids.items() if value in problems
    } == {
        "gone": "orderNotFound",
        "lost_line": "itemNotFound",
        "shipped_there": "quantityExceeded",
    }
    assert "was not found in Cart.com" in problems[ids["gone"]].message
    assert item["item_number"] in problems[ids["lost_line"]].message or str(item["id"]) in (
        problems[ids["lost_line"]].message
    )
    assert "left to ship" in problems[ids["shipped_there"]].message

    # The merchant deletes their own shipment; a retry run pushes the hub's and clears it.
    assert world.api("DELETE", f"order_shipments/{made_there['id']}").status_code == 204
    retry = world.push(trigger="retry", require_enabled=False)
    assert retry.status is RunStatus.SUCCEEDED, retry.error
    assert ids["shipped_there"] not in world.open_exceptions()
    assert [s["shipment_name"] for s in world.shipments(shipped_there["id"])] == [
        f"OH-{ids['shipped_there']}"
    ]


def test_a_changed_fulfillment_updates_its_shipment_instead_of_adding_one(world: World) -> None:
    cart = world.cart_orders[3]
    fulfillment_id = world.fulfil(cart["id"], tracking_numbers=["OLD1"])
    world.push()
    with world.hub.db.session() as session:
        record = get_record(session, EntityKind.FULFILLMENT, fulfillment_id)
        assert record is not None
        upsert_record(
            session,
            EntityKind.FULFILLMENT,
            integration_id=None,
            ext_id=record.ext_id,
            data={**record.data, "trackingNumbers": ["NEW2"]},
            source_doc=None,
            origin=Origin(None, actor="api"),
            now=datetime.now(UTC),
        )

    run = world.push()

    assert run.status is RunStatus.SUCCEEDED, run.error
    shipments = world.shipments(cart["id"])
    assert [s["tracking_numbers"] for s in shipments] == ["NEW2"]
    assert run.counts.updated == 1


def test_the_first_run_starts_when_the_flow_was_enabled(world: World) -> None:
    early, late = world.cart_orders[4], world.cart_orders[5]
    world.fulfil(early["id"])
    enable_flow(
        world.hub, world.integration_id, FlowName.FULFILLMENTS_PUSH, since=datetime.now(UTC)
    )
    world.fulfil(late["id"])

    run = world.push()

    assert run.status is RunStatus.SUCCEEDED, run.error
    assert world.shipments(early["id"]) == []
    assert len(world.shipments(late["id"])) == 1


def test_a_dry_run_plans_the_shipment_and_status_and_writes_nothing(world: World) -> None:
    cart = world.cart_orders[0]
    fulfillment_id = world.fulfil(cart["id"])
    calls = world.sandbox.calls()["byEndpoint"]

    run = world.push(dry_run=True)

    assert run.status is RunStatus.SUCCEEDED, run.error
    after = world.sandbox.calls()["byEndpoint"]
    assert after.get("POST /order_shipments", 0) == calls.get("POST /order_shipments", 0)
    assert after.get("PUT /orders/{id}/status", 0) == calls.get("PUT /orders/{id}/status", 0)
    assert world.shipments(cart["id"]) == []
    real = world.push()  # the dry run kept no position: the real run still sees the work
    assert real.counts.created == 1
    assert [s["shipment_name"] for s in world.shipments(cart["id"])] == [f"OH-{fulfillment_id}"]


def test_a_page_of_fulfillments_costs_about_two_calls_each(world: World) -> None:
    carts = [world.sandbox.store.create_order(order_status_id=PROCESSING)["id"] for _ in range(30)]
    world.runner().run_flow(world.integration_id, FlowName.ORDERS_PULL)
    for cart_id in carts:
        world.fulfil(cart_id)
    before = world.sandbox.calls()["total"]

    run = world.push()

    calls = world.sandbox.calls()["total"] - before
    assert run.status is RunStatus.SUCCEEDED, run.error
    assert run.counts.created == 30
    assert all(world.status(cart_id) == SHIPPED for cart_id in carts)
    # Per fulfillment: one POST and one status PUT; per page: statuses, orders, shipments.
    assert calls == 2 * 30 + 3
    assert run.api_calls == calls
    again = world.push()
    assert again.api_calls == 0


# --- carrier and service → the store's shipping method -----------------------------------------


def test_the_carrier_and_service_become_one_of_the_stores_shipping_methods(world: World) -> None:
    carts = world.cart_orders[:3]
    for cart, carrier, service in (
        (carts[0], "UPS", "Ground"),
        (carts[1], "fedex", "FEDEX_GROUND"),
        (carts[2], "Our van", "Local Pickup"),
    ):
        world.fulfil(cart["id"], shipping_carrier=carrier, shipping_class=service)

    run = world.push()

    assert run.status is RunStatus.SUCCEEDED, run.error
    assert not world.open_exceptions()
    named = [
        {k: world.shipments(cart["id"])[-1][k] for k in ("shipping_method", "shipping_method_id")}
        | {"type": world.shipments(cart["id"])[-1]["shipping_method_type"]}
        for cart in carts
    ]
    assert named == [
        {"shipping_method": "UPS Ground", "shipping_method_id": 1, "type": "provider"},
        {"shipping_method": "FedEx Ground", "shipping_method_id": 31, "type": "provider"},
        {"shipping_method": "Local Pickup", "shipping_method_id": 24, "type": "custom"},
    ]
    assert world.shipments(carts[0]["id"])[-1]["shipping_provider_name"] == "UPS"


def test_an_unmatched_carrier_is_that_fulfillments_exception_until_a_mapping_names_a_method(
    world: World,
) -> None:
    unknown, known = world.cart_orders[3], world.cart_orders[4]
    lost = world.fulfil(unknown["id"], shipping_carrier="Purolator", shipping_class="Express")
    world.fulfil(known["id"], shipping_carrier="UPS", shipping_class="2nd Day Air")

    run = world.push()

    assert run.status is RunStatus.SUCCEEDED, run.error
    assert world.shipments(unknown["id"]) == []  # no shipment with a blank or guessed method
    assert world.shipments(known["id"])[-1]["shipping_method"] == "UPS 2nd Day Air"
    [problem] = world.open_exceptions().values()
    assert problem.ext_entity_id == lost
    assert problem.exception_type == "noShippingMethod"
    assert problem.message.startswith(
        "no Cart.com shipping method matches carrier 'Purolator' service 'Express' — add a "
        f"mapping: orderhub integrations shipping-methods set {world.integration_id} "
        "--carrier Purolator --service Express --method METHOD"
    )

    from orderhub.services.shipping_methods import set_shipping_method

    set_shipping_method(
        world.hub, world.integration_id, carrier="purolator", service=None, method="fedex ground"
    )
    retry = world.push(trigger="retry", require_enabled=False)

    assert retry.status is RunStatus.SUCCEEDED, retry.error
    assert not world.open_exceptions()
    shipment = world.shipments(unknown["id"])[-1]
    assert (shipment["shipping_method"], shipment["shipping_method_id"]) == ("FedEx Ground", 31)


def test_the_stores_methods_are_read_once_and_only_when_a_fulfillment_names_a_carrier(
    world: World,
) -> None:
    world.fulfil(world.cart_orders[0]["id"])  # no carrier: nothing to look up
    world.push()
    reads = world.sandbox.calls()["byEndpoint"]
    assert "GET /shipping_provider_services" not in reads

    world.fulfil(world.cart_orders[1]["id"], shipping_carrier="UPS", shipping_class="Ground")
    world.fulfil(world.cart_orders[2]["id"], shipping_carrier="USPS", shipping_class="Priority")
    runner = world.runner()  # one process: its reference cache outlives a run
    for next_cart in world.cart_orders[3:5]:
        run = runner.run_flow(world.integration_id, FlowName.FULFILLMENTS_PUSH)
        assert run.status is RunStatus.SUCCEEDED, run.error
        world.fulfil(next_cart["id"], shipping_carrier="UPS", shipping_class="03")
    reads = world.sandbox.calls()["byEndpoint"]
    assert [reads[f"GET /{r}"] for r in ("shipping_providers", "shipping_provider_services")] == [
        1,
        1,
    ]
    assert reads["GET /custom_shipping_methods"] == 1
    assert not world.open_exceptions()
