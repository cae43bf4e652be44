"""The inventory formula and matching SKUs in Cart.com."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote_plus

import pytest

from orderhub.connectors.cartcom.mapping import InventoryRules, MappingError, StockIndex, StockRow
from orderhub.connectors.cartcom.mapping.inventory import (
    cartcom_quantity,
    counted_locations,
    deciding_locations,
    filterable_sku,
    item_number_filters,
    rules_fingerprint,
    stock_row_from_product,
    stock_row_from_variant,
)

ALL = frozenset({"A", "B", "C"})


def record(location: str, available: int, *, sku: str = "SKU-1", at: str = "") -> dict[str, Any]:
    return {"sku": sku, "locationId": location, "available": available, "updatedAt": at}


@pytest.mark.parametrize(
    ("records", "counted", "rules", "expected"),
    [
        ([], ALL, InventoryRules(), 0),
        ([record("A", 5), record("B", 7)], ALL, InventoryRules(), 12),
        ([record("A", 5), record("B", 7)], frozenset({"A"}), InventoryRules(), 5),
        ([record("A", 5), record("B", 7)], ALL, InventoryRules(buffer=3), 9),
        ([record("A", 5)], ALL, InventoryRules(buffer=9), 0),  # floored at 0
        ([record("A", 10), record("B", -4)], ALL, InventoryRules(), 6),  # oversold counts
        ([record("A", -4)], ALL, InventoryRules(), 0),
        ([record("A", 5)], ALL, InventoryRules(buffer=3, buffer_by_sku={"SKU-1": 1}), 4),
        ([record("A", 5)], ALL, InventoryRules(buffer=3, buffer_by_sku={"OTHER": 0}), 2),
        ([record("A", 5), record("A", 8, sku="OTHER")], ALL, InventoryRules(), 5),
        ([record("Z", 5)], ALL, InventoryRules(), 0),  # a location that is not counted
        (
            [record("A", 5, at="2026-01-01T00:00:00.000Z"), record("A", 9, at="2026-02-01T00:00Z")],
            ALL,
            InventoryRules(),
            9,  # two records of one location: the newest counts, never both
        ),
        ([{"sku": "SKU-1", "locationId": "A"}], ALL, InventoryRules(), 0),
    ],
)
def test_cartcom_quantity(
    records: list[dict[str, Any]], counted: frozenset[str], rules: InventoryRules, expected: int
) -> None:
    assert cartcom_quantity("SKU-1", records, counted, rules) == expected


LOCATIONS = [("A", "active"), ("B", "active"), ("C", "inactive"), ("D", None)]


@pytest.mark.parametrize(
    ("listed", "expected"),
    [
        (None, {"A", "B", "D"}),  # all active locations by default
        (("B",), {"B"}),
        (("B", "C"), {"B"}),  # an inactive location never counts
        (("B", "nope"), {"B"}),
        ((), set()),
    ],
)
def test_counted_locations(listed: tuple[str, ...] | None, expected: set[str]) -> None:
    assert counted_locations(InventoryRules(locations=listed), LOCATIONS) == expected


def test_the_fingerprint_moves_with_every_input_of_the_formula() -> None:
    base = rules_fingerprint(InventoryRules(), frozenset({"A", "B"}))
    assert base == rules_fingerprint(InventoryRules(), frozenset({"B", "A"}))
    listed = rules_fingerprint(InventoryRules(locations=("B", "A")), frozenset({"A"}))
    assert listed == rules_fingerprint(InventoryRules(locations=("A", "B")), frozenset({"A"}))
    others = {
        listed,  # the location list is an input of its own (no longer only through `counted`)
        rules_fingerprint(InventoryRules(), frozenset({"A"})),
        rules_fingerprint(InventoryRules(buffer=1), frozenset({"A", "B"})),
        rules_fingerprint(InventoryRules(buffer_by_sku={"X": 1}), frozenset({"A", "B"})),
    }
    assert base not in others
    assert len(others) == 4


PRODUCT = {
    "id": 2,
    "item_number": "BLK-1002",
    "quantity_on_hand": 96,
    "use_variant_inventory": False,
    "is_non_inventory": False,
}
VARIANT = {"id": 7, "product_id": 11, "item_number": "BLK-1011-BK-S", "inventory": 32}


def test_stock_rows_from_cartcom_lists() -> None:
    product = stock_row_from_product(PRODUCT)
    variant = stock_row_from_variant(VARIANT)
    assert product == StockRow("product", 2, "BLK-1002", 96, 2)
    assert product.set_body(40) == {"product_id": 2, "quantity": 40}
    assert variant == StockRow("variant", 7, "BLK-1011-BK-S", 32, 11)
    assert variant.set_body(0) == {"variant_inventory_id": 7, "quantity": 0}
    assert stock_row_from_product({**PRODUCT, "item_number": ""}) is None
    assert stock_row_from_variant({**VARIANT, "item_number": None}) is None
    with pytest.raises(MappingError):
        stock_row_from_product({**PRODUCT, "quantity_on_hand": "lots"})
    with pytest.raises(MappingError):
        stock_row_from_variant({**VARIANT, "id": 0})


def row(kind: str, row_id: int, sku: str, **flags: bool) -> StockRow:
    return StockRow(kind, row_id, sku, 10, row_id, **flags)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("rows", "sku", "expected"),
    [
        ([row("product", 1, "A-1")], "A-1", ("product", 1)),
        ([row("variant", 3, "A-1-RD")], "a-1-rd", ("variant", 3)),  # case-insensitive
        ([row("product", 1, "A-1"), row("product", 2, "a-1")], "a-1", ("product", 2)),
        ([row("product", 1, "A-1", non_inventory=True)], "A-1", None),  # nothing to set
    ],
)
def test_stock_index_lookup(
    rows: list[StockRow], sku: str, expected: tuple[str, int] | None
) -> None:
    found = StockIndex(rows).lookup(sku)
    assert (None if found is None else (found.kind, found.id)) == expected


@pytest.mark.parametrize(
    ("rows", "sku", "exception_type", "words"),
    [
        ([], "NOPE", "skuNotFound", "SKU not found in Cart.com"),
        ([row("product", 1, "A-1")], "A-2", "skuNotFound", "SKU not found in Cart.com"),
        (
            [row("product", 1, "A-1", on_variants=True)],
            "A-1",
            "skuNotFound",
            "keeps its stock on variant inventory rows",
        ),
        (
            [row("product", 1, "A-1"), row("variant", 4, "A-1")],
            "A-1",
            "ambiguousSku",
            "matches 2 Cart.com items",
        ),
        (
            [row("product", 1, "a-1"), row("product", 2, "a-1")],
            "A-1",
            "ambiguousSku",
            "matches 2",
        ),
    ],
)
def test_stock_index_lookup_failures(
    rows: list[StockRow], sku: str, exception_type: str, words: str
) -> None:
    with pytest.raises(MappingError) as caught:
        StockIndex(rows).lookup(sku)
    assert caught.value.exception_type == exception_type
    assert words in str(caught.value)


def test_stock_index_keeps_one_row_per_id_and_updates_quantities() -> None:
    first = row("product", 1, "A-1")
    index = StockIndex([first, first, row("variant", 1, "B-1")])
    assert len(index) == 2
    index.update(first, 3)
    found = index.lookup("A-1")
    assert found is not None
    assert found.quantity == 3


def test_item_number_filters_fit_the_url_limit_and_cover_every_sku() -> None:
    skus = [f"SKU-{i:05d}+X" for i in range(300)]
    values = item_number_filters(skus, limit=400)
    assert len(values) > 1
    terms = [term for value in values for term in value.split(" OR ")]
    assert terms == [f"eq:{sku}" for sku in skus]
    assert all(len(quote_plus(value)) <= 400 for value in values)
    assert item_number_filters([]) == []
    assert item_number_filters(["A", "B"]) == ["eq:A OR eq:B"]


@pytest.mark.parametrize(
    ("sku", "ok"), [("BLK-1002", True), ("A+B/C#1", True), ("A B", False), ("", False)]
)
def test_filterable_sku(sku: str, ok: bool) -> None:
    assert filterable_sku(sku) is ok


@pytest.mark.parametrize(
    ("listed", "expected"),
    [
        (None, {"C"}),  # every active location counts: only the inactive one decides
        (("A", "C", "Z"), {"C", "Z"}),  # listed but inactive, or not there (yet)
    ],
)
def test_deciding_locations_leave_out_the_ones_that_count(
    listed: tuple[str, ...] | None, expected: set[str]
) -> None:
    states = [("A", "active"), ("B", None), ("C", "inactive")]
    assert deciding_locations(InventoryRules(locations=listed), states) == expected
