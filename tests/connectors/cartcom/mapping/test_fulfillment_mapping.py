"""Hub fulfillment → Cart.com order_shipments body, shipment comparison, and the status rule."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from orderhub.connectors.cartcom.mapping import (
    UNKNOWN_LINE,
    MappingError,
    ShippingState,
    StatusBook,
    map_fulfillment,
    order_item_quantities,
    shipment_name,
    shipment_update,
    shipped_quantities,
    shipping_state,
    status_to_set,
)
from orderhub.domain import Fulfillment, FulfillmentLine, LineItem, Order, OrderStatus

FIXTURES = Path(__file__).parent / "fixtures"
SHIPPED_AT = datetime(2026, 3, 4, 15, 30, 12, 345000, tzinfo=UTC)


def hub_order(*lines: tuple[str, str, int], ext_api_id: str = "100123") -> Order:
    return Order(
        order_id="o1",
        ext_order_id="5001",
        ext_order_api_id=ext_api_id,
        status=OrderStatus.READY_FOR_FULFILLMENT,
        line_items=[
            LineItem(unique_id=uid, sku=sku, quantity=qty, item_price=Decimal("9.99"))
            for uid, sku, qty in lines
        ]
        or [LineItem(unique_id="11", sku="TEE-1", quantity=2, item_price=Decimal("9.99"))],
    )


def fulfillment(*lines: FulfillmentLine, **fields: Any) -> Fulfillment:
    values: dict[str, Any] = {
        "fulfillment_id": "f00d",
        "order_id": "o1",
        "actual_ship_date": SHIPPED_AT,
        "line_items": list(lines) or [FulfillmentLine(unique_id="11", sku="TEE-1", quantity=2)],
    }
    return Fulfillment(**(values | fields))


def test_a_full_fulfillment_maps_every_field_cartcom_takes() -> None:
    order = hub_order(("11", "TEE-1", 2), ("12", "MUG-2", 1))
    body = map_fulfillment(
        fulfillment(
            FulfillmentLine(unique_id="11", sku="TEE-1", quantity=2),
            FulfillmentLine(unique_id="12", sku="MUG-2", quantity=1),
            tracking_numbers=["1Z001", " 1Z002 ", "1Z001", ""],
            tracking_url="https://track.example/1Z001",
            shipping_carrier="UPS",
            shipping_class="Ground",
        ),
        order,
    )
    assert body == {
        "order_id": 100123,
        "shipment_name": "OH-f00d",
        "items": [{"id": 11, "quantity_shipped": 2}, {"id": 12, "quantity_shipped": 1}],
        "shipped_at": "2026-03-04T15:30:12Z",
        "tracking_numbers": "1Z001,1Z002",
        "tracking_url": "https://track.example/1Z001",
    }
    # The carrier and service become one of the store's methods later (shipping_methods.resolve,
    # which needs the store's list): raw text here would be a method the store may not have.
    assert not {"shipping_method", "shipping_provider_name", "shipping_method_id"} & set(body)


@pytest.mark.parametrize(
    ("lines", "expected_items"),
    [
        pytest.param(
            [FulfillmentLine(sku="MUG-2", quantity=1)],
            [{"id": 12, "quantity_shipped": 1}],
            id="sku-only-resolves-its-line",
        ),
        pytest.param(
            [
                FulfillmentLine(unique_id="11", sku="TEE-1", quantity=1),
                FulfillmentLine(unique_id="11", sku="TEE-1", quantity=1),
            ],
            [{"id": 11, "quantity_shipped": 2}],
            id="two-lines-of-one-item-add-up",
        ),
        pytest.param(
            [FulfillmentLine(unique_id="12", sku="whatever", quantity=1)],
            [{"id": 12, "quantity_shipped": 1}],
            id="unique-id-wins-over-sku",
        ),
    ],
)
def test_lines_become_cartcom_order_item_ids(
    lines: list[FulfillmentLine], expected_items: list[dict[str, int]]
) -> None:
    body = map_fulfillment(fulfillment(*lines), hub_order(("11", "TEE-1", 2), ("12", "MUG-2", 1)))
    assert body["items"] == expected_items


def test_empty_optional_fields_are_not_sent_and_the_hub_time_is_the_fallback() -> None:
    created = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-6)))
    body = map_fulfillment(
        fulfillment(actual_ship_date=None, created_at=created, tracking_url="  "),
        hub_order(),
    )
    assert set(body) == {"order_id", "shipment_name", "items", "shipped_at"}
    assert body["shipped_at"] == "2026-01-02T09:04:05Z"
    assert "shipped_at" not in map_fulfillment(fulfillment(actual_ship_date=None), hub_order())


@pytest.mark.parametrize(
    ("lines", "order", "tag", "words"),
    [
        pytest.param(
            [FulfillmentLine(unique_id="99", sku="TEE-1", quantity=1)],
            hub_order(),
            UNKNOWN_LINE,
            "line 99 (TEE-1) is not a line of order #5001",
            id="unknown-unique-id",
        ),
        pytest.param(
            [FulfillmentLine(sku="NOPE", quantity=1)],
            hub_order(),
            UNKNOWN_LINE,
            "SKU NOPE is not on order #5001",
            id="unknown-sku",
        ),
        pytest.param(
            [FulfillmentLine(sku="TEE-1", quantity=1)],
            hub_order(("11", "TEE-1", 1), ("12", "TEE-1", 1)),
            UNKNOWN_LINE,
            "SKU TEE-1 is on 2 lines of order #5001",
            id="ambiguous-sku",
        ),
        pytest.param(
            [FulfillmentLine(unique_id="11", sku="TEE-1", quantity=1)],
            hub_order(ext_api_id="abc"),
            "invalidRecord",
            "has no Cart.com order id",
            id="order-without-cartcom-id",
        ),
        pytest.param(
            [],
            hub_order(),
            "invalidRecord",
            "no lines",
            id="no-lines",
        ),
    ],
)
def test_unmappable_fulfillments_say_why(
    lines: list[FulfillmentLine], order: Order, tag: str, words: str
) -> None:
    item = fulfillment(*lines)
    if not lines:
        item = item.model_copy(update={"line_items": []})
    with pytest.raises(MappingError) as raised:
        map_fulfillment(item, order)
    assert raised.value.exception_type == tag
    assert words in raised.value.reason


def test_a_fulfillment_without_hub_id_cannot_be_named() -> None:
    with pytest.raises(MappingError, match="no fulfillmentId"):
        map_fulfillment(fulfillment(fulfillment_id=None), hub_order())
    with pytest.raises(ValueError, match="hub fulfillment id"):
        shipment_name("")
    assert shipment_name("abc123") == "OH-abc123"


# --- comparing with an existing shipment ------------------------------------------------------

BODY: dict[str, Any] = {
    "order_id": 100123,
    "shipment_name": "OH-f00d",
    "items": [{"id": 11, "quantity_shipped": 2}],
    "shipped_at": "2026-03-04T15:30:12Z",
    "tracking_numbers": "1Z001",
    "shipping_method": "Ground",
}
SAME_IN_CARTCOM: dict[str, Any] = {
    "id": 77,
    "order_id": 100123,
    "shipment_name": "oh-F00D",
    "shipped_at": "2026-03-04T09:30:12.003-06:00",
    "tracking_numbers": "1Z001",
    "tracking_url": "",
    "shipping_method": "Ground",
    "shipping_provider_name": "UPS",  # filled in by Cart.com from the method: not a difference
    "items": [{"id": 11, "quantity_shipped": 2, "item_nr": "TEE-1"}],
}


@pytest.mark.parametrize(
    ("change", "expected_items"),
    [
        pytest.param({}, None, id="same-shipment"),
        pytest.param({"tracking_numbers": "1Z999"}, [{"id": 11, "quantity_shipped": 2}], id="trk"),
        pytest.param(
            {"shipped_at": "2026-03-05T09:30:12-06:00"},
            [{"id": 11, "quantity_shipped": 2}],
            id="shipped-another-day",
        ),
        pytest.param(
            {"items": [{"id": 11, "quantity_shipped": 1}]},
            [{"id": 11, "quantity_shipped": 2}],
            id="fewer-items",
        ),
        pytest.param(
            {"items": [{"id": 11, "quantity_shipped": 2}, {"id": 12, "quantity_shipped": 1}]},
            [{"id": 11, "quantity_shipped": 2}, {"id": 12, "quantity_shipped": 0}],
            id="extra-item-is-zeroed",
        ),
    ],
)
def test_an_existing_shipment_is_updated_only_where_it_differs(
    change: dict[str, Any], expected_items: list[dict[str, int]] | None
) -> None:
    update = shipment_update(SAME_IN_CARTCOM | change, BODY)
    if expected_items is None:
        assert update is None
        return
    assert update is not None
    assert update["id"] == 77
    assert update["items"] == expected_items
    assert update["tracking_numbers"] == "1Z001"


# --- shipped quantities and the order status --------------------------------------------------


def cart_item(item_id: int, quantity: int, **flags: bool) -> dict[str, Any]:
    return {"id": item_id, "quantity": quantity, **flags}


def test_only_shippable_items_count_towards_shipped() -> None:
    order = {
        "id": 1,
        "items": [
            cart_item(1, 2),
            cart_item(2, 1, is_discount_item=True),
            cart_item(3, 1, is_non_shipping_item=True),
            cart_item(4, 1),
        ],
    }
    assert order_item_quantities(order) == {1: 2, 4: 1}
    with pytest.raises(MappingError, match="without items"):
        order_item_quantities({"id": 1})


@pytest.mark.parametrize(
    ("shipped", "state"),
    [
        pytest.param({}, ShippingState.NONE, id="nothing"),
        pytest.param({1: 1}, ShippingState.PARTIAL, id="part-of-a-line"),
        pytest.param({1: 2}, ShippingState.PARTIAL, id="one-line-of-two"),
        pytest.param({1: 2, 4: 1}, ShippingState.FULL, id="all"),
        pytest.param({1: 3, 4: 1}, ShippingState.FULL, id="more-than-ordered"),
        pytest.param({9: 5}, ShippingState.NONE, id="only-unknown-items"),
    ],
)
def test_shipping_state(shipped: dict[int, int], state: ShippingState) -> None:
    assert shipping_state({1: 2, 4: 1, 5: 0}, shipped) is state


def test_shipped_quantities_add_up_over_shipments() -> None:
    shipments = [
        {"items": [{"id": 1, "quantity_shipped": 1}, {"id": 2, "quantity_shipped": 1}]},
        {"items": [{"id": 1, "quantity_shipped": 1}, {"id": "x", "quantity_shipped": 1}]},
        {"items": None},
    ]
    assert shipped_quantities(shipments) == {1: 2, 2: 1}


@pytest.fixture(scope="module")
def book() -> StatusBook:
    # 1 Pending (open), 2 Partially Shipped, 3 Shipped, 4 Cancelled, 6 Fully Refunded,
    # 9 Processing (no flags), 10 "Shipped - Refunded" (also flagged shipped).
    data = json.loads((FIXTURES / "order_statuses.json").read_text())
    return StatusBook.from_records(data["order_statuses"])


@pytest.mark.parametrize(
    ("current", "state", "expected"),
    [
        pytest.param(9, ShippingState.FULL, 3, id="processing-to-shipped"),
        pytest.param(9, ShippingState.PARTIAL, 2, id="processing-to-partial"),
        pytest.param(1, ShippingState.FULL, 3, id="pending-to-shipped"),
        pytest.param(2, ShippingState.FULL, 3, id="partial-to-shipped"),
        pytest.param(3, ShippingState.FULL, None, id="already-shipped"),
        pytest.param(2, ShippingState.PARTIAL, None, id="already-partial"),
        pytest.param(3, ShippingState.PARTIAL, None, id="never-back-from-shipped"),
        pytest.param(4, ShippingState.FULL, None, id="cancelled-stays"),
        pytest.param(6, ShippingState.FULL, None, id="refunded-stays"),
        pytest.param(9, ShippingState.NONE, None, id="nothing-shipped"),
        pytest.param(424242, ShippingState.FULL, 3, id="status-added-since"),
        pytest.param(None, ShippingState.PARTIAL, 2, id="no-status"),
    ],
)
def test_status_to_set(
    book: StatusBook, current: int | None, state: ShippingState, expected: int | None
) -> None:
    assert status_to_set(book, current, state) == expected


def test_a_store_without_a_partially_shipped_status_keeps_the_order_where_it_is() -> None:
    book = StatusBook.from_records([{"id": 1, "is_open": True}, {"id": 5, "is_shipped": True}])
    assert status_to_set(book, 1, ShippingState.PARTIAL) is None
    assert status_to_set(book, 1, ShippingState.FULL) == 5
