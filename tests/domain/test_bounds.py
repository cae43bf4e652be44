"""The hub's bounds: every number and string refused or kept by one rule, whatever the entry."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from orderhub.domain import Fulfillment, FulfillmentLine, Inventory, Order, Product
from orderhub.domain.bounds import (
    MAX_QUANTITY,
    InvalidValue,
    Name,
    Sku,
    check,
    parse_money,
    parse_quantity,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0", 0), ("7", 7), (" 12 ", 12), (str(MAX_QUANTITY), MAX_QUANTITY), ("+3", 3)],
)
def test_quantities_typed_by_a_person_parse(text: str, expected: int) -> None:
    assert parse_quantity(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("99999999999999999999", "quantity: must be at most 2,147,483,647"),
        (str(MAX_QUANTITY + 1), "quantity: must be at most 2,147,483,647"),
        ("-1", "quantity: must be 0 or more, got '-1'"),
        ("٣", "quantity: '٣' is not a whole number"),  # Python's int() reads it as 3
        ("\uff13", "quantity: '\uff13' is not a whole number"),  # fullwidth 3
        ("3.5", "quantity: '3.5' is not a whole number"),
        ("1e3", "quantity: '1e3' is not a whole number"),
        ("", "quantity: '' is not a whole number"),
        ("7\x00", "quantity: '7?' is not a whole number"),
    ],
)
def test_bad_quantities_are_refused_with_one_line_naming_the_field(text: str, message: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        parse_quantity(text)
    assert str(refused.value).startswith(message)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("19.99", Decimal("19.99")),
        ("0", Decimal("0")),
        ("-0", Decimal("0")),
        ("1.2345", Decimal("1.2345")),
        ("99999999999999", Decimal("99999999999999")),
        ("1e3", Decimal("1E+3")),
    ],
)
def test_prices_typed_by_a_person_parse(text: str, expected: Decimal) -> None:
    assert parse_money(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1e400", "price: '1e400' is not a finite number"),
        ("Infinity", "price: 'Infinity' is not a number"),
        ("NaN", "price: 'NaN' is not a number"),
        ("-1", "price: must be 0 or more, got '-1'"),
        ("1.23456", "price: '1.23456' has more than 4 decimal places"),
        ("١٢", "price: '١٢' is not a number"),  # Decimal() reads it as 12
        ("12,50", "price: '12,50' is not a number"),
        ("1234567890123456", "price: '1234567890123456' has more than 15 digits"),
    ],
)
def test_bad_prices_are_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        parse_money(text)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "sku: must not be empty"),
        ("   ", "sku: must not be empty"),
        ("A\x00B", "sku: holds a control character (NUL at position 2); remove it"),
        ("A\x1b[31mB", "sku: holds a control character (ESC at position 2); remove it"),
        ("A\tB", "sku: holds a control character (tab at position 2); remove it"),
        ("A" * 256, "sku: is 256 characters long; at most 255 are allowed"),
    ],
)
def test_bad_skus_are_refused(value: str, message: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        check(Sku, value, "sku")
    assert str(refused.value) == message


def test_a_sku_is_trimmed_and_a_long_name_refused() -> None:
    assert check(Sku, "  MUG-1 ", "sku") == "MUG-1"
    with pytest.raises(InvalidValue, match="is 10,000,000 characters long; at most 500"):
        check(Name, "x" * 10_000_000, "name")


@pytest.mark.parametrize(
    ("fields", "place"),
    [
        ({"price": 1e400}, "price"),
        ({"price": float("nan")}, "price"),
        ({"price": -0.01}, "price"),
        ({"price": "١٢"}, "price"),
        ({"sku": "x" * 1_000_000}, "sku"),
        ({"name": "n" * 10_000_000}, "name"),
        ({"description": "a\x00b"}, "description"),
        ({"imageUrls": ["https://x.test/a.jpg"] * 501}, "imageUrls"),
    ],
)
def test_the_product_model_refuses_out_of_bounds_values(fields: dict[str, Any], place: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Product.model_validate({"sku": "MUG-1", "name": "Mug", **fields})
    assert refused.value.errors()[0]["loc"][0] in (place, _snake(place))


def test_free_text_keeps_its_line_breaks_and_tabs() -> None:
    product = Product(sku="MUG-1", name="Mug", description="Line one\n\tLine two\r\n")
    assert product.description == "Line one\n\tLine two\r\n"


@pytest.mark.parametrize("quantity", [True, 2**31, -1, "٣", 1e20])
def test_order_lines_inventory_and_fulfillments_share_the_quantity_rule(quantity: Any) -> None:
    with pytest.raises(ValidationError):
        FulfillmentLine(sku="A", quantity=quantity)
    line = {"uniqueId": "1", "sku": "A", "quantity": quantity, "itemPrice": 1}
    with pytest.raises(ValidationError):
        Order.model_validate(
            {"extOrderId": "1", "extOrderApiId": "1", "status": "new", "lineItems": [line]}
        )


def test_stock_figures_may_go_below_zero_but_stay_within_32_bits() -> None:
    assert Inventory(sku="A", location_id="L", available=-3).available == -3
    with pytest.raises(ValidationError):
        Inventory(sku="A", location_id="L", on_hand=2**31)


def test_a_fulfillment_line_ships_at_least_one_unit() -> None:
    with pytest.raises(ValidationError):
        Fulfillment(order_id="o", line_items=[FulfillmentLine(sku="A", quantity=0)])


@given(st.decimals(min_value=0, max_value=Decimal("99999999999.9999"), places=4))
def test_every_amount_within_bounds_survives_the_json_number_exactly(amount: Decimal) -> None:
    product = Product(sku="A", name="B", price=amount)
    wire = product.to_wire()["price"]
    assert Decimal(repr(wire)) == amount


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)
