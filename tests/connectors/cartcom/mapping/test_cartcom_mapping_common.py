"""The coercion helpers: loose Cart.com JSON values in, typed values or a named MappingError out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from orderhub.connectors.cartcom.mapping.common import (
    MappingError,
    as_bool,
    as_field_value,
    as_int,
    as_mapping,
    as_money,
    as_optional_list,
    as_text,
    as_time,
    build_model,
    foreign_key,
    plain_id,
    required_money,
    shown,
)
from orderhub.domain.order import LineItem


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(None, None, id="null"),
        pytest.param(0, Decimal(0), id="int-zero"),
        pytest.param(4386, Decimal(4386), id="int"),
        pytest.param(2511.4, Decimal("2511.4"), id="float"),
        pytest.param(0.0, Decimal("0.0"), id="0.0000-as-parsed"),
        pytest.param(19.99, Decimal("19.99"), id="float-not-binary-exact"),
        pytest.param(-10.25, Decimal("-10.25"), id="negative"),
        pytest.param(0.1 + 0.2, Decimal("0.30000000000000004"), id="float-kept-as-sent"),
        pytest.param(Decimal("0.0000"), Decimal("0.0000"), id="decimal-kept"),
    ],
)
def test_as_money_reads_json_numbers_exactly(value: object, expected: Decimal | None) -> None:
    result = as_money(value, "price")
    assert result == expected
    if expected is not None:
        assert str(result) == str(expected)


@pytest.mark.parametrize(
    "value",
    [True, False, "12.50", "", [], {}, float("inf"), float("nan"), Decimal("NaN")],
    ids=["true", "false", "numeric-str", "empty-str", "list", "dict", "inf", "nan", "dec-nan"],
)
def test_as_money_rejects_non_numbers(value: object) -> None:
    with pytest.raises(MappingError, match=r"^price must be a") as caught:
        as_money(value, "price")
    assert caught.value.exception_type == "invalidPrice"


def test_money_error_type_can_be_chosen_and_null_can_be_required() -> None:
    with pytest.raises(MappingError) as caught:
        as_money("x", "value", error="invalidRecord")
    assert caught.value.exception_type == "invalidRecord"
    with pytest.raises(MappingError, match=r"^amount is missing \(null\)$") as missing:
        required_money(None, "amount")
    assert missing.value.exception_type == "invalidPrice"
    assert required_money(5, "amount") == Decimal(5)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), (0, 0), (3, 3), (-2, -2), (2.0, 2), (Decimal("4.00"), 4)],
)
def test_as_int(value: object, expected: int | None) -> None:
    assert as_int(value, "quantity") == expected


@pytest.mark.parametrize("value", [True, 1.5, "1", Decimal("1.5"), float("inf"), [1]])
def test_as_int_rejects(value: object) -> None:
    with pytest.raises(MappingError, match=r"^quantity must be an integer") as caught:
        as_int(value, "quantity")
    assert caught.value.exception_type == "invalidRecord"


@pytest.mark.parametrize(("value", "expected"), [(None, None), (0, None), (1597, 1597)])
def test_foreign_key_zero_and_null_mean_none(value: object, expected: int | None) -> None:
    assert foreign_key(value, "customer_id") == expected


@pytest.mark.parametrize("value", [-1, "88", False, 8.5])
def test_foreign_key_rejects(value: object) -> None:
    with pytest.raises(MappingError, match="customer_id"):
        foreign_key(value, "customer_id")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), (0, None), (12, 12), (True, None), ("12", None), (-3, None)],
)
def test_plain_id_is_lenient(value: object, expected: int | None) -> None:
    assert plain_id(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(None, None, id="null"),
        pytest.param("", None, id="empty"),
        pytest.param("   ", None, id="blank"),
        pytest.param(" Jane ", "Jane", id="stripped"),
        pytest.param(77706, "77706", id="int-postal-code"),
        pytest.param(2134, "2134", id="leading-zero-lost-upstream"),
        pytest.param("02134", "02134", id="text-postal-code-kept"),
    ],
)
def test_as_text(value: object, expected: str | None) -> None:
    assert as_text(value, "postal_code") == expected


@pytest.mark.parametrize("value", [True, 1.5, [], {"a": 1}])
def test_as_text_rejects(value: object) -> None:
    with pytest.raises(MappingError, match=r"^city must be a string"):
        as_text(value, "city")


@pytest.mark.parametrize(
    ("value", "default", "expected"),
    [
        (True, False, True),
        (False, True, False),
        (None, False, False),
        (None, True, True),
        (1, False, True),
        (0, True, False),
    ],
)
def test_as_bool(value: object, default: bool, expected: bool) -> None:
    assert as_bool(value, "is_taxable", default=default) is expected


@pytest.mark.parametrize("value", ["true", 2, 1.0, []])
def test_as_bool_rejects(value: object) -> None:
    with pytest.raises(MappingError, match=r"^is_taxable must be true or false"):
        as_bool(value, "is_taxable")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(None, None, id="null"),
        pytest.param("", None, id="empty"),
        pytest.param(
            "2014-05-13T06:00:00.000-06:00", datetime(2014, 5, 13, 12, tzinfo=UTC), id="offset"
        ),
        pytest.param("2014-05-12T00:00:00.0Z", datetime(2014, 5, 12, tzinfo=UTC), id="Z"),
        pytest.param(
            "2021-09-22T11:48:18.903-05:00",
            datetime(2021, 9, 22, 16, 48, 18, 903000, tzinfo=UTC),
            id="three-digits",
        ),
    ],
)
def test_as_time(value: object, expected: datetime | None) -> None:
    assert as_time(value, "updated_at") == expected


@pytest.mark.parametrize("value", ["2014-05-12T00:00:00", "tomorrow", 1621008540, ["x"]])
def test_as_time_rejects(value: object) -> None:
    with pytest.raises(MappingError, match=r"^updated_at is not an ISO 8601 time") as caught:
        as_time(value, "updated_at")
    assert caught.value.exception_type == "invalidRecord"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, ""), ("x", "x"), (True, "true"), (False, "false"), (2, "2"), (2.50, "2.5")],
)
def test_as_field_value(value: object, expected: str) -> None:
    assert as_field_value(value, "custom field") == expected


@pytest.mark.parametrize("value", [[], {}, float("nan")])
def test_as_field_value_rejects(value: object) -> None:
    with pytest.raises(MappingError, match="custom field") as caught:
        as_field_value(value, "custom field")
    assert caught.value.exception_type == "invalidRecord"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: as_mapping([], "order"), "order must be a JSON object, got list"),
        (lambda: as_optional_list({}, "items"), "items must be a JSON array, got dict"),
    ],
)
def test_container_checks(call: Callable[[], object], message: str) -> None:
    with pytest.raises(MappingError, match=f"^{message}$"):
        call()


def test_optional_list_absent_is_none() -> None:
    assert as_optional_list(None, "items") is None
    assert as_optional_list([1], "items") == [1]


def test_build_model_wraps_validation_errors_in_one_line() -> None:
    with pytest.raises(MappingError) as caught:
        build_model(LineItem, "item 5", unique_id="5", sku="A", quantity=-1, item_price="x")
    assert caught.value.exception_type == "invalidRecord"
    assert caught.value.reason.startswith("item 5: quantity: ")
    assert caught.value.reason.endswith("(and 1 more)")
    assert caught.value.__cause__ is None
    item = build_model(LineItem, "item 5", unique_id="5", sku="A", quantity=1, item_price=1)
    assert item.sku == "A"


def test_mapping_error_carries_type_and_reason() -> None:
    error = MappingError("invalidPrice", "item 5: price is missing (null)")
    assert isinstance(error, ValueError)
    assert (error.exception_type, error.reason, str(error)) == (
        "invalidPrice",
        "item 5: price is missing (null)",
        "item 5: price is missing (null)",
    )
    assert repr(error) == "MappingError('invalidPrice', 'item 5: price is missing (null)')"


def test_shown_keeps_reasons_short() -> None:
    assert shown("abc") == "'abc'"
    long = shown("x" * 500)
    assert len(long) == 40
    assert long.endswith("...")
