"""Cart.com order JSON -> canonical Order, on Cart.com-shaped fixtures (API-NOTES §10, spec)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderhub.connectors.cartcom.mapping import (
    MappingError,
    StatusBook,
    map_order,
    order_address_ids,
    order_customer_ids,
)
from orderhub.domain.order import Address, Customer, Order, OrderStatus, PaymentStatus

FIXTURES = Path(__file__).parent / "fixtures"
STORE_URL = "https://shop.example.com"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


STATUSES = StatusBook.from_records(load("order_statuses.json")["order_statuses"])
ADDRESSES = {record["id"]: record for record in load("order_addresses.json")["order_addresses"]}
CUSTOMERS = {record["id"]: record for record in load("customers.json")["customers"]}

Mutation = Callable[[dict[str, Any]], object]


def full_order() -> dict[str, Any]:
    order: dict[str, Any] = load("order_full.json")
    return order


def sparse_order() -> dict[str, Any]:
    order: dict[str, Any] = load("order_sparse.json")
    return order


def item(order: dict[str, Any], item_id: int) -> dict[str, Any]:
    found: dict[str, Any] = next(line for line in order["items"] if line["id"] == item_id)
    return found


def line(mapped: Order, unique_id: str) -> Any:
    return next(line for line in mapped.line_items if line.unique_id == unique_id)


def map_(order: object, **overrides: Any) -> Order:
    arguments: dict[str, Any] = {
        "statuses": STATUSES,
        "addresses": ADDRESSES,
        "customers": CUSTOMERS,
        "store_url": STORE_URL,
    }
    arguments.update(overrides)
    return map_order(order, **arguments)  # type: ignore[arg-type]


def utc(
    year: int, month: int, day: int, hour: int, minute: int, second: int, micro: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


# --- the full order ---------------------------------------------------------------------------


def test_full_order_maps_every_documented_field() -> None:
    mapped = map_(full_order())

    assert mapped.ext_order_id == "A-100232"
    assert mapped.ext_order_api_id == "100232"
    assert mapped.ext_order_url == (
        "https://shop.example.com/store/admin/orders/orderdetail.aspx?id=100232"
    )
    assert mapped.order_source == "cartcom"
    assert mapped.status is OrderStatus.PARTIAL_FULFILLMENT
    assert mapped.ext_status == "Partially Shipped"
    assert mapped.payment_status is PaymentStatus.PAID
    assert mapped.currency == "USD"
    assert mapped.ext_order_created_at == utc(2021, 5, 14, 16, 9, 0)
    assert mapped.ext_order_updated_at == utc(2021, 9, 22, 16, 48, 18, 903000)
    assert mapped.order_id is None
    assert mapped.integration is None

    assert mapped.sub_total_price == Decimal("2511.4")
    assert mapped.order_discount == Decimal("35.5")  # 25.5 discount_total + the -10 discount line
    assert mapped.order_tax == Decimal("171.82")
    assert mapped.shipping_price == Decimal("12")
    assert mapped.total_price == Decimal("2669.72")
    assert mapped.shipping_method == "FedEx Express Saver"
    assert mapped.shipping_code == "FEDEX_EXPRESS_SAVER"

    assert mapped.billing_address == Address(
        first_name="Jane",
        last_name="Doe",
        address1="123 Test St",
        city="Beaumont",
        state_or_province="TX",
        zip_code_or_postal_code="77706",
        country="US",
        phone="3333333333",
    )
    assert mapped.shipping_address == Address(
        first_name="Jane",
        last_name="Doe",
        company="Acme Corp",
        address1="1 Main St",
        address2="Suite 5",
        city="Boston",
        state_or_province="MA",
        zip_code_or_postal_code="02134",  # sent as the integer 2134: the zero comes back
        country="US",
    )
    assert mapped.customer == Customer(
        ext_customer_id="88",
        email="jane@example.com",
        first_name="Jane",
        last_name="Doe",
        phone="3333333333",
    )
    assert mapped.email == "jane@example.com"

    assert [line.unique_id for line in mapped.line_items] == [
        "5001",
        "5002",
        "5003",
        "5004",
        "5005",
    ]
    screen, tee, kit, cable, ebook = mapped.line_items
    assert (screen.sku, screen.name, screen.quantity, screen.item_price) == (
        "SCREEN-100",
        "Projector Screen",
        1,
        Decimal(1400),
    )
    assert (screen.item_tax, screen.item_discount, screen.shipped_quantity) == (
        Decimal(98),
        Decimal(0),
        1,
    )
    assert tee.sku == "TEE-BLU-L"
    assert tee.variant_description == "Color: Blue, Size: L"
    assert (tee.item_price, tee.item_discount, tee.item_tax) == (
        Decimal("19.99"),
        Decimal("5.5"),
        Decimal("3.82"),
    )
    assert (tee.quantity, tee.shipped_quantity, tee.ext_product_api_id) == (3, 2, "81")
    assert (kit.sku, kit.shipped_quantity, kit.variant_description) == ("KIT-1", 0, None)
    assert (cable.sku, cable.item_price, cable.quantity, cable.shipped_quantity) == (
        "KIT-1-CABLE",
        Decimal(0),
        2,
        2,
    )
    assert (ebook.requires_shipping, ebook.taxable, ebook.shipped_quantity) == (False, False, 0)
    assert (screen.requires_shipping, screen.taxable) == (True, True)

    paid, voided = mapped.payments
    assert paid.model_dump(exclude_none=True) == {
        "ext_payment_id": "7001",
        "method": "CreditCard",
        "kind": "Sale",
        "status": "paid",
        "amount": Decimal("2669.72"),
        "currency": "USD",
        "card_type": "Visa",
        "last_four": "4242",
        "transaction_id": "ch_3KfT9x",
        "paid_at": utc(2021, 5, 14, 16, 9, 26, 893000),
    }
    assert (voided.status, voided.kind, voided.transaction_id, voided.paid_at) == (
        "voided",
        None,
        None,
        None,
    )

    assert mapped.order_note == "Leave at the side door\nBackordered cable ships separately."
    assert mapped.gift_note == "Happy birthday, Sam!"
    assert [(field.name, field.value) for field in mapped.custom_fields] == [
        ("PO Number", "PO-7781"),
        ("Gift wrap", "true"),
        ("Priority", "2"),
    ]
    assert mapped.tags == ["multipleShipTo"]  # line 5002 ships to its own address (1599)


def test_sparse_order_with_empty_strings_nulls_zero_fks_and_integer_money() -> None:
    mapped = map_(sparse_order())

    assert mapped.ext_order_id == "100300"  # order_number ""
    assert mapped.ext_order_created_at == utc(2024, 3, 10, 7, 59, 59)  # ordered_at "" -> created_at
    assert mapped.ext_order_updated_at == utc(2024, 3, 10, 8, 0, 0, 700000)
    assert mapped.status is OrderStatus.READY_FOR_FULFILLMENT
    assert mapped.ext_status == "Processing"
    assert mapped.payment_status is PaymentStatus.UNPAID
    assert (mapped.billing_address, mapped.shipping_address, mapped.customer, mapped.email) == (
        None,
        None,
        None,
        None,
    )
    assert (mapped.shipping_method, mapped.shipping_code) == (None, None)
    assert (mapped.order_note, mapped.gift_note) == (None, None)
    assert (mapped.payments, mapped.custom_fields) == ([], [])
    assert mapped.total_price == Decimal(40)
    assert mapped.order_discount == Decimal(0)
    (mug,) = mapped.line_items
    assert (mug.sku, mug.name, mug.ext_product_api_id, mug.variant_description) == (
        "MUG",
        None,
        None,
        None,
    )
    assert mug.item_tax == Decimal(0)
    assert mug.shipped_quantity is None  # shipments not expanded: unknown, not 0


# --- field by field ---------------------------------------------------------------------------


def _set(path: str, value: object) -> Mutation:
    """A mutation setting `key` on the order or `items.<id>.key` / `payments.<i>.key`."""

    def mutate(order: dict[str, Any]) -> None:
        parts = path.split(".")
        target: dict[str, Any] = order
        if len(parts) > 1 and parts[0] == "items":
            target = item(order, int(parts[1]))
        elif len(parts) > 1 and parts[0] in ("payments", "shipments", "custom_fields"):
            target = order[parts[0]][int(parts[1])]
        target[parts[-1]] = value

    return mutate


def _delete(key: str) -> Mutation:
    return lambda order: order.pop(key)


def _drop_discount_line(order: dict[str, Any]) -> None:
    order["items"] = [line for line in order["items"] if not line["is_discount_item"]]


def _drop_shipment_items(order: dict[str, Any]) -> None:
    del order["shipments"][1]["items"]


def _both_notes_equal(order: dict[str, Any]) -> None:
    order["public_comments"] = order["special_instructions"]


FIELD_CASES = [
    pytest.param(_set("order_number", ""), "ext_order_id", "100232", id="order_number-empty"),
    pytest.param(_set("order_number", None), "ext_order_id", "100232", id="order_number-null"),
    pytest.param(_delete("order_number"), "ext_order_id", "100232", id="order_number-absent"),
    pytest.param(
        _set("ordered_at", ""),
        "ext_order_created_at",
        utc(2021, 5, 14, 16, 9, 20, 160000),
        id="ordered_at-empty-falls-back-to-created_at",
    ),
    pytest.param(
        _set("ordered_at", None),
        "ext_order_created_at",
        utc(2021, 5, 14, 16, 9, 20, 160000),
        id="ordered_at-null-falls-back",
    ),
    pytest.param(
        _set("ordered_at", "2021-05-14T11:09:00Z"),
        "ext_order_created_at",
        utc(2021, 5, 14, 11, 9, 0),
        id="time-Z",
    ),
    pytest.param(
        _set("ordered_at", "2021-01-14T11:09:00-06:00"),
        "ext_order_created_at",
        utc(2021, 1, 14, 17, 9, 0),
        id="time-offset-0600",
    ),
    pytest.param(
        _set("updated_at", "2021-09-22T11:48:18-05:00"),
        "ext_order_updated_at",
        utc(2021, 9, 22, 16, 48, 18),
        id="time-0-fraction-digits",
    ),
    pytest.param(
        _set("updated_at", "2021-09-22T11:48:18.7-05:00"),
        "ext_order_updated_at",
        utc(2021, 9, 22, 16, 48, 18, 700000),
        id="time-1-fraction-digit",
    ),
    pytest.param(
        _set("updated_at", "2021-09-22T11:48:18.16-05:00"),
        "ext_order_updated_at",
        utc(2021, 9, 22, 16, 48, 18, 160000),
        id="time-2-fraction-digits",
    ),
    pytest.param(_set("updated_at", None), "ext_order_updated_at", None, id="updated_at-null"),
    pytest.param(_set("grand_total", 2670), "total_price", Decimal(2670), id="money-int"),
    pytest.param(_set("tax_total", 0.0), "order_tax", Decimal(0), id="money-0.0000"),
    pytest.param(
        _set("grand_total", 1234567.8912),
        "total_price",
        Decimal("1234567.8912"),
        id="money-four-places",
    ),
    pytest.param(
        _set("grand_total", Decimal("2669.7200")),
        "total_price",
        Decimal("2669.7200"),
        id="money-already-decimal",
    ),
    pytest.param(_set("subtotal", None), "sub_total_price", None, id="money-null"),
    pytest.param(
        _set("discount_total", None), "order_discount", Decimal(10), id="discount-null-plus-line"
    ),
    pytest.param(_drop_discount_line, "order_discount", Decimal("25.5"), id="no-discount-line"),
    pytest.param(
        _set("items.5006.quantity", 2), "order_discount", Decimal("45.5"), id="discount-line-qty"
    ),
    pytest.param(
        _set("items.5006.price", 10),
        "order_discount",
        Decimal("35.5"),
        id="discount-line-positive-price",
    ),
    pytest.param(
        _set("selected_shipping_provider_service", 23), "shipping_code", "23", id="code-int"
    ),
    pytest.param(_set("selected_shipping_method", ""), "shipping_method", None, id="method-empty"),
    pytest.param(_set("gift_message", ""), "gift_note", None, id="gift-empty"),
    pytest.param(
        _set("special_instructions", ""),
        "order_note",
        "Backordered cable ships separately.",
        id="note-public-only",
    ),
    pytest.param(_both_notes_equal, "order_note", "Leave at the side door", id="note-once"),
    pytest.param(_delete("custom_fields"), "custom_fields", [], id="custom-fields-absent"),
    pytest.param(_delete("payments"), "payments", [], id="payments-absent"),
    pytest.param(
        _set("order_billing_address_id", 0), "billing_address", None, id="billing-fk-zero"
    ),
    pytest.param(
        _set("order_shipping_address_id", None), "shipping_address", None, id="shipping-fk-null"
    ),
    pytest.param(
        _set("order_shipping_address_id", 4242),
        "shipping_address",
        None,
        id="shipping-address-not-fetched",
    ),
]


@pytest.mark.parametrize(("mutate", "attribute", "expected"), FIELD_CASES)
def test_order_field(mutate: Mutation, attribute: str, expected: object) -> None:
    order = full_order()
    mutate(order)
    assert getattr(map_(order), attribute) == expected


LINE_CASES = [
    pytest.param(
        _set("items.5001.item_number_full", None), "5001", "sku", "SCREEN-100", id="sku-full-null"
    ),
    pytest.param(_set("items.5002.item_number_full", ""), "5002", "sku", "TEE", id="sku-fallback"),
    pytest.param(_set("items.5002.item_number_full", "  "), "5002", "sku", "TEE", id="sku-blank"),
    pytest.param(
        _set("items.5002.variants", []), "5002", "variant_description", None, id="no-variants"
    ),
    pytest.param(
        _set("items.5002.variants", [{"id": 1, "description": "", "variant_group_id": 2}]),
        "5002",
        "variant_description",
        None,
        id="variant-empty-description",
    ),
    pytest.param(_set("items.5001.is_taxable", None), "5001", "taxable", True, id="taxable-null"),
    pytest.param(
        _set("items.5001.is_non_shipping_item", None),
        "5001",
        "requires_shipping",
        True,
        id="non-shipping-null",
    ),
    pytest.param(
        _set("items.5001.product_id", 0), "5001", "ext_product_api_id", None, id="product-0"
    ),
    pytest.param(_set("items.5001.item_name", ""), "5001", "name", None, id="name-empty"),
    pytest.param(_set("items.5001.quantity", 2.0), "5001", "quantity", 2, id="quantity-float-int"),
    pytest.param(_set("items.5001.tax", None), "5001", "item_tax", None, id="tax-null"),
    pytest.param(
        _set("items.5001.price", 0.0), "5001", "item_price", Decimal(0), id="price-0.0000"
    ),
    pytest.param(
        _set("items.5001.price", -3), "5001", "item_price", Decimal(-3), id="price-negative"
    ),
    pytest.param(_delete("shipments"), "5002", "shipped_quantity", None, id="shipments-absent"),
    pytest.param(_set("shipments", []), "5002", "shipped_quantity", 0, id="shipments-empty"),
    pytest.param(
        _drop_shipment_items, "5001", "shipped_quantity", None, id="shipment-items-absent"
    ),
    pytest.param(
        _set("shipments.0.items", [{"id": 9999, "quantity_shipped": 4}]),
        "5001",
        "shipped_quantity",
        0,
        id="shipment-other-item",
    ),
    pytest.param(
        _set("shipments.1.items", [{"id": 5002, "quantity_shipped": 2}]),
        "5002",
        "shipped_quantity",
        3,
        id="shipped-summed-across-shipments",
    ),
]


@pytest.mark.parametrize(("mutate", "unique_id", "attribute", "expected"), LINE_CASES)
def test_line_item_field(
    mutate: Mutation, unique_id: str, attribute: str, expected: object
) -> None:
    order = full_order()
    mutate(order)
    assert getattr(line(map_(order), unique_id), attribute) == expected


def test_discount_lines_are_folded_not_emitted() -> None:
    order = full_order()
    item(order, 5001)["is_discount_item"] = True  # 1400 x 1 more discount
    mapped = map_(order)
    assert "5001" not in {line.unique_id for line in mapped.line_items}
    assert "5006" not in {line.unique_id for line in mapped.line_items}
    assert mapped.order_discount == Decimal("1435.5")


def test_state_and_country_fall_back_to_full_names_and_text_postal_codes_survive() -> None:
    addresses = dict(ADDRESSES)
    addresses[1599] = {**ADDRESSES[1599], "postal_code": "02134", "country_code": None}
    order = full_order()
    order["order_shipping_address_id"] = 1599
    shipping = map_(order, addresses=addresses).shipping_address
    assert shipping is not None
    assert (shipping.state_or_province, shipping.country, shipping.zip_code_or_postal_code) == (
        "Berlin",
        "Germany",
        "02134",
    )


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({"postal_code": 2187}, "02187", id="us-int"),
        pytest.param({"postal_code": 21871234}, "02187-1234", id="us-int-zip4"),
        pytest.param({"postal_code": "02187-1234"}, "02187-1234", id="us-text-zip4"),
        pytest.param(
            {"postal_code": 901, "country_code": "PR", "country": "Puerto Rico"},
            "00901",
            id="puerto-rico",
        ),
        pytest.param(
            {"postal_code": 2187, "country_code": None, "country": "United States"},
            "02187",
            id="country-by-name",
        ),
        pytest.param(
            {"postal_code": 2187, "country_code": "", "country": ""}, "02187", id="no-country-int"
        ),
        pytest.param(
            {"postal_code": "K1A 0B1", "country_code": "CA", "country": "Canada"},
            "K1A 0B1",
            id="canada",
        ),
        pytest.param(
            {"postal_code": 1067, "country_code": "DE", "country": "Germany"},
            "1067",
            id="germany-int-kept",
        ),
        pytest.param({"postal_code": 0}, None, id="unset-int"),
    ],
)
def test_postal_codes_of_both_addresses_are_normalized_by_country(
    changes: dict[str, Any], expected: str | None
) -> None:
    addresses = {key: {**record, **changes} for key, record in ADDRESSES.items()}
    mapped = map_(full_order(), addresses=addresses)
    assert mapped.billing_address is not None
    assert mapped.shipping_address is not None
    assert mapped.billing_address.zip_code_or_postal_code == expected
    assert mapped.shipping_address.zip_code_or_postal_code == expected


def test_an_international_integer_postal_code_becomes_its_text() -> None:
    order = full_order()
    order["order_shipping_address_id"] = 1599  # Berlin, 10435 as a JSON integer
    shipping = map_(order).shipping_address
    assert shipping is not None
    assert (shipping.country, shipping.zip_code_or_postal_code) == ("DE", "10435")


@pytest.mark.parametrize(
    ("customer_id", "billing_id", "expected"),
    [
        pytest.param(
            0,
            1597,
            Customer(first_name="Jane", last_name="Doe", phone="3333333333"),
            id="guest-from-billing-names",
        ),
        pytest.param(
            99,
            1598,
            Customer(ext_customer_id="99", first_name="Jane", last_name="Doe", company="Acme Corp"),
            id="customer-not-fetched",
        ),
        pytest.param(99, 0, Customer(ext_customer_id="99"), id="customer-not-fetched-no-billing"),
        pytest.param(None, None, None, id="no-customer-no-billing"),
    ],
)
def test_customer_without_a_customer_record(
    customer_id: int | None, billing_id: int | None, expected: Customer | None
) -> None:
    order = full_order()
    order["customer_id"] = customer_id
    order["order_billing_address_id"] = billing_id
    mapped = map_(order)
    assert mapped.customer == expected
    assert mapped.email is None


def test_customer_empty_strings_become_none() -> None:
    customers = {88: {**CUSTOMERS[88], "phone_number": "", "email": "", "company": "Acme"}}
    mapped = map_(full_order(), customers=customers)
    assert mapped.customer == Customer(
        ext_customer_id="88", first_name="Jane", last_name="Doe", company="Acme"
    )
    assert mapped.email is None


def test_store_url_trailing_slash_and_currency() -> None:
    mapped = map_(full_order(), store_url="https://shop.example.com/", currency="EUR")
    assert mapped.ext_order_url == (
        "https://shop.example.com/store/admin/orders/orderdetail.aspx?id=100232"
    )
    assert mapped.currency == "EUR"
    assert {payment.currency for payment in mapped.payments} == {"EUR"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(None, "", id="null"),
        pytest.param(1.5, "1.5", id="float"),
        pytest.param(False, "false", id="bool"),
        pytest.param("", "", id="empty"),
    ],
)
def test_custom_field_values_become_text(value: object, expected: str) -> None:
    order = full_order()
    order["custom_fields"] = [{"name": "x", "value": value}]
    assert map_(order).custom_fields[0].value == expected


# --- statuses ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status_id", "expected", "name"),
    [
        (1, OrderStatus.NEW, "Pending Processing"),
        (2, OrderStatus.PARTIAL_FULFILLMENT, "Partially Shipped"),
        (3, OrderStatus.FULFILLED, "Shipped"),
        (4, OrderStatus.CANCELED, "Cancelled"),
        (5, OrderStatus.CANCELED, "Declined"),
        (6, OrderStatus.REFUNDED, "Fully Refunded"),
        (7, OrderStatus.READY_FOR_FULFILLMENT, "Partially Refunded"),
        (8, OrderStatus.ON_HOLD, "Quote"),
        (9, OrderStatus.READY_FOR_FULFILLMENT, "Processing"),
        (10, OrderStatus.REFUNDED, "Shipped - Refunded"),
        (11, OrderStatus.CANCELED, "Cancelled (awaiting restock)"),
    ],
)
def test_status_from_store_flags(status_id: int, expected: OrderStatus, name: str) -> None:
    order = full_order()
    order["order_status_id"] = status_id
    order["shipments"] = []
    mapped = map_(order)
    assert (mapped.status, mapped.ext_status) == (expected, name)


@pytest.mark.parametrize(
    ("status_id", "expected"),
    [
        (1, OrderStatus.PARTIAL_FULFILLMENT),  # "Pending Processing", yet something shipped
        (7, OrderStatus.PARTIAL_FULFILLMENT),  # shipped, then "Partially Refunded"
        (9, OrderStatus.PARTIAL_FULFILLMENT),  # "Processing" with a shipment out
        (3, OrderStatus.FULFILLED),
        (6, OrderStatus.REFUNDED),
        (4, OrderStatus.CANCELED),
    ],
)
def test_an_order_with_shipments_is_never_offered_as_unshipped(
    status_id: int, expected: OrderStatus
) -> None:
    order = full_order()
    order["order_status_id"] = status_id
    assert order["shipments"]
    assert map_(order).status is expected


def _payment(
    amount: object,
    *,
    captured: bool = False,
    approved: bool = False,
    declined: bool = False,
    void: bool = False,
) -> dict[str, Any]:
    return {
        "id": 1,
        "amount": amount,
        "is_captured": captured,
        "is_approved": approved,
        "is_declined": declined,
        "is_void": void,
        "payment_type": "CreditCard",
        "paid_at": "",
    }


@pytest.mark.parametrize(
    ("payments", "grand_total", "status_id", "expected"),
    [
        pytest.param([_payment(100, captured=True)], 100, 9, "paid", id="captured-all"),
        pytest.param([_payment(120, captured=True)], 100, 9, "paid", id="captured-more"),
        pytest.param(
            [_payment(60.5, captured=True), _payment(39.5, captured=True)],
            100,
            9,
            "paid",
            id="split-tender",
        ),
        pytest.param([_payment(40, captured=True)], 100, 9, "partiallyPaid", id="captured-some"),
        pytest.param(
            [_payment(40, captured=True), _payment(60, declined=True)],
            100,
            9,
            "partiallyPaid",
            id="captured-some-declined-rest",
        ),
        pytest.param([_payment(100, approved=True)], 100, 9, "authorized", id="authorized"),
        pytest.param(
            [_payment(100, declined=True), _payment(100, approved=True)],
            100,
            9,
            "authorized",
            id="declined-then-authorized",
        ),
        pytest.param([_payment(100)], 100, 9, "pending", id="pending"),
        pytest.param([_payment(100, declined=True)], 100, 9, "declined", id="declined"),
        pytest.param(
            [_payment(100, declined=True), _payment(100, void=True)],
            100,
            9,
            "declined",
            id="declined-and-void",
        ),
        pytest.param([_payment(100, void=True)], 100, 9, "unpaid", id="void-only"),
        pytest.param(
            [_payment(100, void=True, captured=True)], 100, 9, "unpaid", id="captured-then-voided"
        ),
        pytest.param([], 100, 9, "unpaid", id="no-payments"),
        pytest.param([], 0, 9, "paid", id="free-order"),
        pytest.param([_payment(100, captured=True)], None, 9, "paid", id="total-unknown"),
        pytest.param(
            [_payment(100, captured=True)], 100, 6, "refunded", id="status-fully-refunded"
        ),
        pytest.param(
            [_payment(100, captured=True)], 100, 7, "partiallyRefunded", id="status-part-refunded"
        ),
        pytest.param(
            [_payment(100, captured=True)], 100, 10, "refunded", id="status-shipped-refunded"
        ),
    ],
)
def test_payment_status(
    payments: list[dict[str, Any]], grand_total: object, status_id: int, expected: str
) -> None:
    order = full_order()
    order.update(payments=payments, grand_total=grand_total, order_status_id=status_id)
    assert map_(order).payment_status == expected


# --- errors -----------------------------------------------------------------------------------


def _only_discount_lines(order: dict[str, Any]) -> None:
    order["items"] = [line for line in order["items"] if line["is_discount_item"]]


ERROR_CASES = [
    pytest.param(_delete("items"), "missingItems", "no items", id="items-absent"),
    pytest.param(_set("items", []), "missingItems", "no items", id="items-empty"),
    pytest.param(_set("items", None), "missingItems", "no items", id="items-null"),
    pytest.param(_only_discount_lines, "missingItems", "only discount lines", id="only-discounts"),
    pytest.param(_set("items", "x"), "invalidRecord", "items must be a JSON array", id="items-str"),
    pytest.param(
        _set("items", [7]), "invalidRecord", "items[0] must be a JSON object", id="item-int"
    ),
    pytest.param(
        _set("items.5001.price", None), "invalidPrice", "item 5001: price", id="price-null"
    ),
    pytest.param(
        _set("items.5001.price", "1400.00"), "invalidPrice", "item 5001: price", id="price-str"
    ),
    pytest.param(
        _set("items.5001.price", True), "invalidPrice", "item 5001: price", id="price-bool"
    ),
    pytest.param(_set("items.5001.price", float("nan")), "invalidPrice", "finite", id="price-nan"),
    pytest.param(
        _set("items.5006.price", None), "invalidPrice", "item 5006: price", id="discount-price-null"
    ),
    pytest.param(_set("grand_total", "2669.72"), "invalidPrice", "grand_total", id="total-str"),
    pytest.param(
        _set("payments.0.amount", None), "invalidPrice", "payment 7001: amount", id="payment-null"
    ),
    pytest.param(_set("items.5001.tax", [1]), "invalidPrice", "item 5001: tax", id="tax-list"),
    pytest.param(
        lambda order: item(order, 5001).update(
            item_number_full="", item_number="", product_id=None
        ),
        "missingSku",
        "item 5001: no SKU",
        id="sku-missing",
    ),
    pytest.param(
        _set("items.5001.quantity", None), "invalidRecord", "item 5001: quantity", id="qty-null"
    ),
    pytest.param(_set("items.5001.quantity", -1), "invalidRecord", "0 or more", id="qty-negative"),
    pytest.param(_set("items.5001.quantity", 1.5), "invalidRecord", "integer", id="qty-fraction"),
    pytest.param(_set("items.5001.quantity", "1"), "invalidRecord", "integer", id="qty-str"),
    pytest.param(_set("items.5001.id", None), "invalidRecord", "items[0] has no id", id="item-id"),
    pytest.param(_set("id", None), "invalidRecord", "order has no id", id="order-id-null"),
    pytest.param(_set("id", "100232"), "invalidRecord", "order id", id="order-id-str"),
    pytest.param(_set("id", -4), "invalidRecord", "positive", id="order-id-negative"),
    pytest.param(_set("order_status_id", 999), "unknownStatus", "999", id="status-unknown"),
    pytest.param(_set("order_status_id", 0), "unknownStatus", "no order_status_id", id="status-0"),
    pytest.param(_set("updated_at", "yesterday"), "invalidRecord", "updated_at", id="time-garbage"),
    pytest.param(
        _set("updated_at", "2021-09-22T11:48:18"), "invalidRecord", "offset", id="time-naive"
    ),
    pytest.param(_set("ordered_at", 1621008540), "invalidRecord", "ordered_at", id="time-int"),
    pytest.param(
        _set("payments.0.paid_at", "soon"), "invalidRecord", "payment 7001: paid_at", id="paid-at"
    ),
    pytest.param(_set("shipments", "x"), "invalidRecord", "shipments", id="shipments-str"),
    pytest.param(
        _set("shipments.0.items", [{"id": 5001, "quantity_shipped": "1"}]),
        "invalidRecord",
        "shipments[0].items[0].quantity_shipped",
        id="shipped-str",
    ),
    pytest.param(
        _set("custom_fields", [{"value": "x"}]), "invalidRecord", "has no name", id="cf-name"
    ),
    pytest.param(
        _set("custom_fields", [{"name": "n", "value": {}}]),
        "invalidRecord",
        "custom field 'n'",
        id="cf-value-object",
    ),
    pytest.param(
        _set("items.5001.is_discount_item", "yes"),
        "invalidRecord",
        "is_discount_item",
        id="flag-str",
    ),
    pytest.param(
        _set("items.5002.variants", ["Blue"]), "invalidRecord", "variants[0]", id="variant-str"
    ),
    pytest.param(
        _set("order_billing_address_id", -5),
        "invalidRecord",
        "order_billing_address_id",
        id="fk-negative",
    ),
    pytest.param(
        _set("items.5001.item_name", {"en": "x"}), "invalidRecord", "item_name", id="name-object"
    ),
    pytest.param(
        _set("payments", {"id": 1}), "invalidRecord", "payments must be", id="payments-object"
    ),
]


@pytest.mark.parametrize(("mutate", "exception_type", "fragment"), ERROR_CASES)
def test_unmappable_order(mutate: Mutation, exception_type: str, fragment: str) -> None:
    order = full_order()
    mutate(order)
    with pytest.raises(MappingError) as caught:
        map_(order)
    assert caught.value.exception_type == exception_type
    assert fragment in caught.value.reason
    assert str(caught.value) == caught.value.reason
    assert "\n" not in caught.value.reason


@pytest.mark.parametrize("order", [[], "order", None, 100232], ids=["list", "str", "null", "int"])
def test_non_object_order(order: object) -> None:
    with pytest.raises(MappingError, match="order must be a JSON object") as caught:
        map_(order)
    assert caught.value.exception_type == "invalidRecord"


def test_broken_customer_and_address_records_name_the_record() -> None:
    with pytest.raises(MappingError, match="customer 88 must be a JSON object"):
        map_(full_order(), customers={88: "Jane"})
    with pytest.raises(MappingError, match="order address 1597: postal_code"):
        map_(full_order(), addresses={**ADDRESSES, 1597: {**ADDRESSES[1597], "postal_code": 7.5}})


def test_pydantic_errors_are_wrapped_into_one_line() -> None:
    with pytest.raises(MappingError) as caught:
        map_(full_order(), currency=7)
    assert caught.value.exception_type == "invalidRecord"
    assert caught.value.reason.startswith("payment 7001: currency: ")
    assert "\n" not in caught.value.reason


# --- the wire ---------------------------------------------------------------------------------


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for child in value.values() for key in _keys(child)}
    if isinstance(value, list):
        return {key for child in value for key in _keys(child)}
    return set()


def test_to_wire_is_camel_case_with_money_as_numbers() -> None:
    wire = map_(full_order()).to_wire()
    assert json.loads(json.dumps(wire)) == wire
    assert not {key for key in _keys(wire) if "_" in key}
    assert {"extOrderId", "extOrderApiId", "lineItems", "shippingAddress", "paymentStatus"} <= set(
        wire
    )
    assert wire["totalPrice"] == 2669.72
    assert isinstance(wire["totalPrice"], float)
    assert wire["lineItems"][1]["itemPrice"] == 19.99
    assert wire["lineItems"][1]["shippedQuantity"] == 2
    assert wire["lineItems"][1]["uniqueId"] == "5002"
    assert wire["extOrderCreatedAt"] == "2021-05-14T16:09:00.000Z"
    assert wire["shippingAddress"]["zipCodeOrPostalCode"] == "02134"
    assert "phone" not in wire["shippingAddress"]  # None is left out, not sent as null
    assert wire["payments"][0]["amount"] == 2669.72


# --- the id planners --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order", "addresses", "customers"),
    [
        pytest.param(full_order(), {1597, 1598, 1599}, {88}, id="full"),
        pytest.param(sparse_order(), set(), set(), id="sparse"),
        pytest.param(
            {
                "customer_id": True,
                "order_billing_address_id": "1597",
                "order_shipping_address_id": -1,
                "items": [
                    None,
                    {"order_shipping_address_id": 12},
                    {"order_shipping_address_id": 0},
                ],
            },
            {12},
            set(),
            id="garbage-skipped",
        ),
        pytest.param({"items": "x", "customer_id": 5}, set(), {5}, id="items-not-a-list"),
        pytest.param([], set(), set(), id="not-an-object"),
    ],
)
def test_id_planners(order: Any, addresses: set[int], customers: set[int]) -> None:
    assert order_address_ids(order) == addresses
    assert order_customer_ids(order) == customers


# --- properties -------------------------------------------------------------------------------


@st.composite
def money_text(draw: st.DrawFn) -> tuple[str, Decimal]:
    """A JSON number as Cart.com writes money (0-4 places, <= 15 significant digits)."""
    places = draw(st.integers(0, 4))
    unscaled = draw(st.integers(-(10**14) + 1, 10**14 - 1))
    value = Decimal(unscaled).scaleb(-places)
    if places == 0 and draw(st.booleans()):
        return str(unscaled), value
    return f"{value:f}" if places else f"{unscaled}.0", value


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(money=money_text(), exact_parse=st.booleans())
def test_money_maps_to_the_exact_decimal(money: tuple[str, Decimal], exact_parse: bool) -> None:
    text, value = money
    template = load("order_sparse.json")
    template["items"][0]["price"] = "__PRICE__"
    template["grand_total"] = "__PRICE__"
    document = json.dumps(template).replace('"__PRICE__"', text)
    order = json.loads(document, parse_float=Decimal) if exact_parse else json.loads(document)
    mapped = map_(order)
    assert mapped.line_items[0].item_price == value
    assert mapped.total_price == value
    if exact_parse:
        assert str(mapped.total_price) == text  # not even the trailing zeros change


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)
_ORDER_KEYS = sorted(full_order())
_ITEM_KEYS = sorted({key for line in full_order()["items"] for key in line})
_PAYMENT_KEYS = sorted(full_order()["payments"][0])


@settings(max_examples=300, deadline=None)
@given(
    where=st.sampled_from(["order", "item", "payment"]),
    data=st.data(),
    value=JSON_VALUES,
)
def test_any_garbage_field_gives_an_order_or_a_mapping_error(
    where: str, data: st.DataObject, value: object
) -> None:
    order = full_order()
    if where == "order":
        target, keys = order, _ORDER_KEYS
    elif where == "item":
        target = data.draw(st.sampled_from(order["items"]))
        keys = _ITEM_KEYS
    else:
        target, keys = order["payments"][0], _PAYMENT_KEYS
    target[data.draw(st.sampled_from(keys))] = value
    outcome: Order | MappingError
    try:
        outcome = map_(order)
    except MappingError as exc:
        outcome = exc
    if isinstance(outcome, MappingError):
        assert outcome.exception_type in {
            "missingItems",
            "missingSku",
            "invalidPrice",
            "unknownStatus",
            "invalidRecord",
        }
        assert outcome.reason
        assert "\n" not in outcome.reason
    else:
        assert json.loads(json.dumps(outcome.to_wire())) == outcome.to_wire()


def test_a_line_whose_product_has_no_item_number_gets_a_stand_in_sku_and_the_order_a_tag() -> None:
    order = full_order()
    item(order, 5001).update(item_number_full="", item_number="")
    product_id = item(order, 5001)["product_id"]

    mapped = map_(order)

    assert line(mapped, "5001").sku == f"cartcom-product-{product_id}"
    assert mapped.tags == ["missingSku", "multipleShipTo"]


def test_variant_extensions_without_a_base_item_number_are_not_taken_for_a_sku() -> None:
    order = full_order()
    item(order, 5001).update(item_number="", item_number_full="-BL-S")

    mapped = map_(order)

    assert line(mapped, "5001").sku.startswith("cartcom-product-")
    assert mapped.tags == ["missingSku", "multipleShipTo"]


# --- per-line ship-to addresses ---------------------------------------------------------------


def _ship_every_line_to(order: dict[str, Any], address_id: int | None) -> None:
    for line_ in order["items"]:
        line_["order_shipping_address_id"] = address_id


@pytest.mark.parametrize(
    ("lines_to", "expected_city", "tags"),
    [
        pytest.param({}, None, ["multipleShipTo"], id="one-line-elsewhere"),
        pytest.param({"all": 1599}, "Berlin", [], id="every-line-to-its-own"),
        pytest.param({"all": None}, None, [], id="every-line-to-the-orders"),
        pytest.param({"all": 1598, 5002: 0}, None, [], id="own-equal-to-the-orders"),
        pytest.param({"all": None, 5005: 1599}, None, [], id="non-shipping-line-elsewhere"),
    ],
)
def test_a_per_line_ship_to_decides_the_address_or_tags_the_order(
    lines_to: dict[Any, int | None], expected_city: str | None, tags: list[str]
) -> None:
    """Lines may ship to their own addresses: one for all is the order's shipping address;
    several keep the order's and tag the order, so the merchant sees some lines go elsewhere."""
    order = full_order()
    if "all" in lines_to:
        _ship_every_line_to(order, lines_to["all"])
    for item_id, address_id in lines_to.items():
        if item_id != "all":
            item(order, item_id)["order_shipping_address_id"] = address_id
    order_city = ADDRESSES[1598]["city"]

    mapped = map_(order)

    assert mapped.shipping_address is not None
    assert mapped.shipping_address.city == (expected_city or order_city)
    assert mapped.tags == tags
