"""The integration's inventory settings, read as inventory.push reads them."""

from __future__ import annotations

from typing import Any

import pytest

from orderhub.connectors.cartcom.mapping.inventory_settings import (
    InventoryRules,
    InventorySettingsError,
    parse_inventory_rules,
)


def test_parse_inventory_rules_reads_the_three_settings() -> None:
    rules = parse_inventory_rules(
        {
            "inventoryLocations": ["a", " b ", "a"],
            "inventoryBuffer": 2,
            "inventoryBufferBySku": {"X": 0, "Y": 5},
            "somethingElse": True,
        }
    )
    assert rules == InventoryRules(locations=("a", "b"), buffer=2, buffer_by_sku={"X": 0, "Y": 5})
    assert parse_inventory_rules({}) == InventoryRules()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"inventoryLocations": "abc"}, "inventoryLocations"),
        ({"inventoryLocations": [1]}, "inventoryLocations"),
        ({"inventoryLocations": [""]}, "inventoryLocations"),
        ({"inventoryBuffer": -1}, "inventoryBuffer"),
        ({"inventoryBuffer": 1.5}, "inventoryBuffer"),
        ({"inventoryBuffer": True}, "inventoryBuffer"),
        ({"inventoryBufferBySku": ["X"]}, "inventoryBufferBySku"),
        ({"inventoryBufferBySku": {"X": "3"}}, "inventoryBufferBySku: SKU 'X'"),
        ({"inventoryBuffer": 1_000_001}, "inventoryBuffer: must be a whole number from 0 to"),
        ({"inventoryBufferBySku": {" X": 1}}, "inventoryBufferBySku: ' X' is not a SKU"),
        ({"inventoryLocations": [str(n) for n in range(201)]}, "at most 200 locations"),
    ],
)
def test_bad_inventory_settings_are_refused(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(InventorySettingsError) as caught:
        parse_inventory_rules(settings)
    assert message in str(caught.value)
