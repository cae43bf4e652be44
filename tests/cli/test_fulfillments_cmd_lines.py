"""`--line SKU:QTY` parsing of `orderhub fulfillments create`."""

from __future__ import annotations

import pytest

from orderhub.cli.fulfillments_cmd import parse_line
from orderhub.domain import FulfillmentLine
from orderhub.errors import UsageError


@pytest.mark.parametrize(
    ("text", "sku", "quantity"),
    [
        pytest.param("TEE-1094:2", "TEE-1094", 2, id="colon"),
        pytest.param("TEE-1094=3", "TEE-1094", 3, id="equals-as-in-the-issue"),
        pytest.param(" A:B:1 ", "A:B", 1, id="sku-with-a-colon"),
        pytest.param("MUG 2 : 4", "MUG 2", 4, id="blanks"),
    ],
)
def test_a_line_is_sku_and_quantity(text: str, sku: str, quantity: int) -> None:
    assert parse_line(text) == FulfillmentLine(sku=sku, quantity=quantity)


@pytest.mark.parametrize("text", ["TEE-1094", "TEE-1094:", ":2", "TEE:two", "TEE:-1", "TEE:0"])
def test_a_bad_line_says_what_it_should_look_like(text: str) -> None:
    with pytest.raises(UsageError, match=r"SKU:QUANTITY|1 or more"):
        parse_line(text)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        pytest.param("TEE:\u0663", "quantity: '\u0663' is not a whole number", id="arabic-three"),
        pytest.param("TEE:2147483648", "must be at most 2,147,483,647", id="over-32-bits"),
        pytest.param("TEE:99999999999999999999", "must be at most 2,147,483,647", id="over-64"),
        pytest.param("T\x1bE:1", "sku: holds a control character (ESC", id="escape-in-sku"),
    ],
)
def test_a_quantity_or_sku_outside_the_bounds_is_refused_naming_it(text: str, words: str) -> None:
    with pytest.raises(UsageError) as refused:
        parse_line(text)
    assert words in str(refused.value)
    assert "SKU:QUANTITY" in str(refused.value)
