"""create_fulfillment and friends: what the CLI, API and portal rely on."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from orderhub.clock import FakeClock
from orderhub.domain import Fulfillment, FulfillmentLine
from orderhub.errors import NotFoundError, UsageError
from orderhub.hub import Hub, default_registry
from orderhub.secrets import SecretBox
from orderhub.services.fulfillments import create_fulfillment, find_order_id, unfulfilled_lines
from orderhub.settings import Settings
from orderhub.store.database import Database
from orderhub.store.feed import changes_since
from orderhub.store.records import EntityKind, Origin, upsert_record
from orderhub.store.timeline import timeline

KEY = "fulfillments-service-test-secret-key"
NOW = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def hub(database: Database, tmp_path: Path) -> Hub:
    settings = Settings(home=tmp_path, database_url="unused://", secret_key=KEY)
    return Hub(
        settings=settings,
        db=database,
        box=SecretBox(KEY),
        registry=default_registry(),
        clock=FakeClock(NOW),
    )


def line(unique_id: str, sku: str, quantity: int, **extra: Any) -> dict[str, Any]:
    return {"uniqueId": unique_id, "sku": sku, "quantity": quantity, "itemPrice": 5, **extra}


def add_order(
    hub: Hub,
    number: str,
    *lines: dict[str, Any],
    integration: str | None = "int_a",
    status: str = "readyForFulfillment",
) -> str:
    data = {
        "extOrderId": number,
        "extOrderApiId": f"9{number}",
        "status": status,
        "lineItems": list(lines),
    }
    with hub.db.session() as session:
        return upsert_record(
            session,
            EntityKind.ORDER,
            integration_id=integration,
            ext_id=f"9{number}",
            data=data,
            source_doc=None,
            origin=Origin(integration),
            now=NOW,
        ).hub_id


def fulfil(hub: Hub, order_id: str, *lines: FulfillmentLine, **fields: Any) -> dict[str, Any]:
    return create_fulfillment(
        hub, Fulfillment(order_id=order_id, line_items=list(lines), **fields), actor="cli"
    )


def test_a_fulfillment_is_stored_as_a_hub_record_with_its_order_lines(hub: Hub) -> None:
    order_id = add_order(hub, "5001", line("11", "TEE-1", 2), line("12", "MUG-2", 1))

    made = fulfil(
        hub,
        order_id,
        FulfillmentLine(sku="TEE-1", quantity=2),
        tracking_numbers=[" 1Z1 ", "1Z1", "1Z2"],
        shipping_carrier="UPS",
        tracking_url="https://track.example/1Z1",
    )

    assert made == {
        "fulfillmentId": made["fulfillmentId"],
        "orderId": order_id,
        "extOrderId": "5001",
        "trackingNumbers": ["1Z1", "1Z2"],
        "trackingUrl": "https://track.example/1Z1",
        "shippingCarrier": "UPS",
        "actualShipDate": "2026-05-01T09:30:00.000Z",
        "lineItems": [{"uniqueId": "11", "sku": "TEE-1", "quantity": 2}],
        "createdAt": "2026-05-01T09:30:00.000Z",
        "updatedAt": "2026-05-01T09:30:00.000Z",
    }
    with hub.db.read_session() as session:
        [change] = changes_since(session, EntityKind.FULFILLMENT, 0)
        events = timeline(session, EntityKind.FULFILLMENT, made["fulfillmentId"])
    assert change.integration_id is None
    assert change.hub_id == made["fulfillmentId"]
    assert [(e.action, e.actor) for e in events] == [("created", "cli")]


def test_what_is_left_shrinks_with_each_fulfillment(hub: Hub) -> None:
    order_id = add_order(hub, "5002", line("21", "TEE-1", 3), line("22", "MUG-2", 1))
    fulfil(hub, order_id, FulfillmentLine(unique_id="21", sku="TEE-1", quantity=2))

    assert unfulfilled_lines(hub, order_id) == [
        FulfillmentLine(unique_id="21", sku="TEE-1", quantity=1),
        FulfillmentLine(unique_id="22", sku="MUG-2", quantity=1),
    ]
    with pytest.raises(UsageError, match="has 1 of TEE-1 left to fulfil, not 2"):
        fulfil(hub, order_id, FulfillmentLine(sku="TEE-1", quantity=2))
    fulfil(hub, order_id, *unfulfilled_lines(hub, order_id))
    assert unfulfilled_lines(hub, order_id) == []
    with pytest.raises(UsageError, match="has 0 of MUG-2 left"):
        fulfil(hub, order_id, FulfillmentLine(sku="MUG-2", quantity=1))


def test_the_stores_own_shipped_quantity_counts_when_it_is_larger(hub: Hub) -> None:
    order_id = add_order(
        hub,
        "5003",
        line("31", "TEE-1", 3, shippedQuantity=2),
        line("32", "CARD", 1, requiresShipping=False),
    )

    assert unfulfilled_lines(hub, order_id) == [
        FulfillmentLine(unique_id="31", sku="TEE-1", quantity=1)
    ]
    with pytest.raises(UsageError, match="has 1 of TEE-1 left"):
        fulfil(hub, order_id, FulfillmentLine(sku="TEE-1", quantity=2))


def test_a_sku_on_several_lines_is_spread_over_them(hub: Hub) -> None:
    order_id = add_order(hub, "5004", line("41", "TEE-1", 1), line("42", "TEE-1", 2))

    made = fulfil(hub, order_id, FulfillmentLine(sku="tee-1", quantity=3))

    assert made["lineItems"] == [
        {"uniqueId": "41", "sku": "TEE-1", "quantity": 1},
        {"uniqueId": "42", "sku": "TEE-1", "quantity": 2},
    ]


@pytest.mark.parametrize(
    ("lines", "fields", "error", "words"),
    [
        pytest.param(
            [FulfillmentLine(sku="NOPE", quantity=1)],
            {},
            UsageError,
            "SKU NOPE is not on order #5005 (its SKUs: TEE-1, MUG-2)",
            id="unknown-sku",
        ),
        pytest.param(
            [FulfillmentLine(unique_id="99", sku="TEE-1", quantity=1)],
            {},
            UsageError,
            "Line 99 is not a line of order #5005",
            id="unknown-line",
        ),
        pytest.param(
            [FulfillmentLine(unique_id="51", sku="MUG-2", quantity=1)],
            {},
            UsageError,
            "Line 51 of order #5005 is SKU TEE-1, not MUG-2",
            id="line-and-sku-disagree",
        ),
        pytest.param([], {}, UsageError, "at least one line", id="no-lines"),
        pytest.param(
            [FulfillmentLine(sku="TEE-1", quantity=1)],
            {"fulfillment_id": "abc"},
            UsageError,
            "gets its fulfillmentId from the hub",
            id="own-id",
        ),
        pytest.param(
            [FulfillmentLine(sku="TEE-1", quantity=1)],
            {"integration": "int_b"},
            UsageError,
            "belongs to the hub",
            id="integration",
        ),
        pytest.param(
            [FulfillmentLine(sku="TEE-1", quantity=1)],
            {"tracking_url": "javascript:alert(1)"},
            UsageError,
            "must start with https://",
            id="tracking-url",
        ),
        pytest.param(
            [FulfillmentLine(sku="TEE-1", quantity=1)],
            {"ext_order_id": "7777"},
            UsageError,
            "is order #5005 in the store, not #7777",
            id="other-order-number",
        ),
    ],
)
def test_bad_fulfillments_are_refused_with_a_clear_message(
    hub: Hub,
    lines: list[FulfillmentLine],
    fields: dict[str, Any],
    error: type[Exception],
    words: str,
) -> None:
    order_id = add_order(hub, "5005", line("51", "TEE-1", 2), line("52", "MUG-2", 1))
    with pytest.raises(error) as raised:
        fulfil(hub, order_id, *lines, **fields)
    assert words in str(raised.value)
    with hub.db.read_session() as session:
        assert changes_since(session, EntityKind.FULFILLMENT, 0) == []


def test_unknown_and_canceled_orders_and_a_flow_actor_are_refused(hub: Hub) -> None:
    canceled = add_order(hub, "5006", line("61", "TEE-1", 1), status="canceled")
    with pytest.raises(NotFoundError, match="No order with id 'nope'"):
        fulfil(hub, "nope", FulfillmentLine(sku="TEE-1", quantity=1))
    with pytest.raises(UsageError, match="#5006 is canceled"):
        fulfil(hub, canceled, FulfillmentLine(sku="TEE-1", quantity=1))
    with pytest.raises(ValueError, match="actor"):
        create_fulfillment(
            hub,
            Fulfillment(order_id=canceled, line_items=[FulfillmentLine(sku="X", quantity=1)]),
            actor="flow",
        )


def test_orders_are_found_by_hub_id_or_by_store_order_number(hub: Hub) -> None:
    first = add_order(hub, "6001", line("1", "A", 1))
    add_order(hub, "6002", line("1", "A", 1), integration="int_a")
    add_order(hub, "6002", line("1", "A", 1), integration="int_b")

    assert find_order_id(hub, first) == first
    assert find_order_id(hub, " ext:6001 ") == first
    with pytest.raises(NotFoundError, match="order number '404'"):
        find_order_id(hub, "ext:404")
    with pytest.raises(NotFoundError, match="write ext:6001"):
        find_order_id(hub, "6001")
    with pytest.raises(UsageError, match="several stores"):
        find_order_id(hub, "ext:6002")
