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
