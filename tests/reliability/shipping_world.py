"""Helpers for fulfillments.push under the open-question switches: hub orders, fulfillments,
and what the store holds."""

from __future__ import annotations

from typing import Any

from orderhub.domain import FlowName, Fulfillment, FulfillmentLine
from orderhub.services.fulfillments import create_fulfillment, unfulfilled_lines
from orderhub.services.integrations import enable_flow
from orderhub.store.records import EntityKind, get_record_by_ext

from .conftest import STORE_URL, World

PROCESSING = 12  # the sandbox's "Processing" status id


def new_orders(world: World, n: int) -> list[int]:
    """`n` orders placed in the store now, pulled into the hub; fulfillments.push switched on."""
    made = [
        int(world.sandbox.store.create_order(order_status_id=PROCESSING)["id"]) for _ in range(n)
    ]
    world.must_run(FlowName.ORDERS_PULL)
    enable_flow(world.hub, world.integration_id, FlowName.FULFILLMENTS_PUSH)
    return made


def hub_order_id(world: World, cart_id: int) -> str:
    with world.hub.db.read_session() as session:
        record = get_record_by_ext(session, EntityKind.ORDER, world.integration_id, str(cart_id))
    assert record is not None
    return record.hub_id


def fulfil(
    world: World, cart_id: int, lines: list[FulfillmentLine] | None = None, **fields: Any
) -> str:
    """A hub fulfillment of the order (all that is left, unless `lines`); its id."""
    order_id = hub_order_id(world, cart_id)
    wanted = lines if lines is not None else unfulfilled_lines(world.hub, order_id)
    made = create_fulfillment(
        world.hub, Fulfillment(order_id=order_id, line_items=wanted, **fields), actor="api"
    )
    return str(made["fulfillmentId"])


def shipments(world: World, cart_id: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = world.api(
        "order_shipments", order_id=str(cart_id), expand="items"
    )["order_shipments"]
    return found


def shipped(world: World, cart_id: int) -> dict[int, int]:
    """{order item id: quantity shipped} over all the order's shipments in the store."""
    total: dict[int, int] = {}
    for shipment in shipments(world, cart_id):
        for item in shipment.get("items") or []:
            total[item["id"]] = total.get(item["id"], 0) + item["quantity_shipped"]
    return {k: v for k, v in total.items() if v}


def ordered(world: World, cart_id: int) -> dict[int, int]:
    order = world.sandbox.store.get_order(cart_id)
    assert order is not None
    return {i["id"]: i["quantity"] for i in order["items"] if not i["is_discount_item"]}


def post_shipment(world: World, body: dict[str, Any]) -> int:
    answer = world.http.post(
        f"{STORE_URL}/api/v1/order_shipments",
        json=body,
        headers={"X-AC-Auth-Token": world.sandbox.full_token},
    )
    assert answer.status_code in (200, 201), answer.text
    return int(answer.json()["id"])
