"""Cart.com deliveries: the event, the flow it wakes and the record it names (table-driven)."""

from __future__ import annotations

from typing import Any

import pytest

from orderhub.connectors.cartcom.webhook_events import (
    EVENT_FLOWS,
    FLOW_EVENTS,
    Announcement,
    UnknownEvent,
    delivery_url,
    read_delivery,
)
from orderhub.domain import FlowName

ORDERS = FlowName.ORDERS_PULL
PRODUCTS = FlowName.PRODUCTS_PULL


@pytest.mark.parametrize(
    ("event", "body", "expected"),
    [
        ("NewOrder", {"order": {"id": 100}}, Announcement("NewOrder", ORDERS, "100")),
        ("neworder", {"order": {"id": "100"}}, Announcement("NewOrder", ORDERS, "100")),
        (
            "OrderStatusChanged",
            {"order": {"id": 5}, "old_status": {"id": 1}, "new_status": {"id": 5}},
            Announcement("OrderStatusChanged", ORDERS, "5"),
        ),
        (
            "PaymentProcessed",
            {"order_payment": {"id": 9, "order_id": 77}},
            Announcement("PaymentProcessed", ORDERS, "77"),
        ),
        ("ProductUpdated", {"product": {"id": 3}}, Announcement("ProductUpdated", PRODUCTS, "3")),
        (
            "ProductStatusChanged",
            {"item": {"product_id": 4, "variant_inventory_id": 8}},
            Announcement("ProductStatusChanged", PRODUCTS, "4"),
        ),
        (
            "ProductStatusChanged",
            {"item": {"product": {"id": 6}}},
            Announcement("ProductStatusChanged", PRODUCTS, "6"),
        ),
        ("CustomerCreated", {"customer": {"id": 2}}, Announcement("CustomerCreated", None, "2")),
        # A known event with an unexpected body still wakes its flow, with no id.
        ("OrderUpdated", {"order": {"id": -1}}, Announcement("OrderUpdated", ORDERS, None)),
        ("OrderUpdated", {"order": {"id": True}}, Announcement("OrderUpdated", ORDERS, None)),
        ("OrderUpdated", {"order": {"id": "1²"}}, Announcement("OrderUpdated", ORDERS, None)),
        ("OrderUpdated", {"order": "x"}, Announcement("OrderUpdated", ORDERS, None)),
        ("OrderShipped", [1, 2], Announcement("OrderShipped", ORDERS, None)),
        ("OrderUpdated", {"order": {"id": 2**70}}, Announcement("OrderUpdated", ORDERS, None)),
        # Without ?event=, the body's shape says which kind of event it is.
        (None, {"order": {"id": 1}}, Announcement("OrderUpdated", ORDERS, "1")),
        (
            None,
            {"order": {"id": 1}, "new_status": {}},
            Announcement("OrderStatusChanged", ORDERS, "1"),
        ),
        (None, {"product": {"id": 1}}, Announcement("ProductUpdated", PRODUCTS, "1")),
        (None, {"customer": {"id": 1}}, Announcement("CustomerUpdated", None, "1")),
    ],
)
def test_a_delivery_names_its_event_flow_and_record(
    event: str | None, body: Any, expected: Announcement
) -> None:
    assert read_delivery(event, body) == expected


@pytest.mark.parametrize(
    ("event", "body"),
    [
        ("OrderPlace", {"order": {"id": 1}}),  # the docs' curl sample's typo
        ("", {"order": {"id": 1}}),
        ("x" * 10_000, {}),
        (None, {"cart": {"id": 1}}),
        (None, [1]),
        (None, None),
    ],
)
def test_an_event_the_hub_does_not_know_is_refused(event: str | None, body: Any) -> None:
    with pytest.raises(UnknownEvent) as refused:
        read_delivery(event, body)
    assert len(str(refused.value)) < 200


def test_each_pull_flow_subscribes_its_documented_events() -> None:
    assert FLOW_EVENTS[ORDERS] == (
        "NewOrder",
        "NewValidOrder",
        "OrderPlaced",
        "OrderApproved",
        "OrderUpdated",
        "OrderStatusChanged",
        "OrderShipped",
        "OrderCanceled",
        "OrderDeclined",
        "PaymentProcessed",
    )
    assert FLOW_EVENTS[PRODUCTS] == ("ProductCreated", "ProductUpdated", "ProductStatusChanged")
    assert EVENT_FLOWS["CustomerCreated"] is None


def test_a_delivery_url_names_the_integration_secret_and_event() -> None:
    url = delivery_url("https://hub.example.com/oh", "ab12", "s3cr-t_", "orderupdated")
    assert url == "https://hub.example.com/oh/hooks/cartcom/ab12/s3cr-t_?event=OrderUpdated"
    with pytest.raises(UnknownEvent):
        delivery_url("https://hub.example.com", "ab12", "s", "OrderPlace")
