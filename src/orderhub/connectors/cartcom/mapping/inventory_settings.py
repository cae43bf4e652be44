"""The integration's inventory settings: checked as a merchant types them, read as a run uses them.

Its own module because these checks serve two callers: the settings service applies `check_*`
to what a merchant types (setting_forms.py), and inventory.push reads the stored settings with
`parse_inventory_rules` through the same checks, so a value stored through one always reads in
the other. The quantity formula that uses `InventoryRules` is in `mapping/inventory.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

__all__ = [
    "BUFFER_BY_SKU_SETTING",
    "BUFFER_SETTING",
    "LOCATIONS_SETTING",
    "MAX_BUFFER",
    "MAX_LOCATIONS",
    "MAX_SKU_BUFFERS",
    "SKU_LONGEST",
    "InventoryRules",
    "InventorySettingsError",
    "check_buffer",
    "check_buffer_by_sku",
    "check_locations",
    "parse_inventory_rules",
]

LOCATIONS_SETTING: Final = "inventoryLocations"
BUFFER_SETTING: Final = "inventoryBuffer"
BUFFER_BY_SKU_SETTING: Final = "inventoryBufferBySku"
MAX_BUFFER: Final = 1_000_000
"""The largest buffer: more units than any store holds of one SKU."""
MAX_SKU_BUFFERS: Final = 1000
MAX_LOCATIONS: Final = 200
SKU_LONGEST: Final = 100


class InventorySettingsError(ValueError):
    """The integration's inventory settings cannot be used; the run fails with this line."""


@dataclass(frozen=True)
class InventoryRules:
    """What the integration's settings say about computing a SKU's quantity for Cart.com."""

    locations: tuple[str, ...] | None = None
    buffer: int = 0
    buffer_by_sku: Mapping[str, int] = field(default_factory=dict)

    def buffer_for(self, sku: str) -> int:
        return self.buffer_by_sku.get(sku, self.buffer)


def parse_inventory_rules(settings: Mapping[str, Any]) -> InventoryRules:
    """Read `inventoryLocations`, `inventoryBuffer` and `inventoryBufferBySku` from settings.

    Through the same checks (`check_*`) the settings service applies to what a merchant types,
    so a value stored through it always reads here.
    """
    locations: tuple[str, ...] | None = None
    buffer = 0
    by_sku: dict[str, int] = {}
    try:
        name = LOCATIONS_SETTING
        if settings.get(name) is not None:
            locations = tuple(check_locations(settings[name]))
        name = BUFFER_SETTING
        buffer = check_buffer(settings.get(name, 0))
        name = BUFFER_BY_SKU_SETTING
        by_sku = check_buffer_by_sku(settings.get(name) or {})
    except ValueError as problem:
        raise InventorySettingsError(f"The integration setting {name}: {problem}") from None
    return InventoryRules(locations=locations, buffer=buffer, buffer_by_sku=by_sku)


def check_locations(value: object) -> list[str]:
    """`inventoryLocations` as stored: a list of hub location ids (trimmed, each once)."""
    if not isinstance(value, list) or not all(
        isinstance(item, str) and item.strip() for item in value
    ):
        raise ValueError("must be a list of hub location ids (see `orderhub locations list`)")
    if len(value) > MAX_LOCATIONS:
        raise ValueError(f"takes at most {MAX_LOCATIONS} locations, not {len(value)}")
    return list(dict.fromkeys(item.strip() for item in value))


def check_buffer(value: object) -> int:
    """A buffer: a whole number of units from 0 to `MAX_BUFFER`."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_BUFFER:
        raise ValueError(f"must be a whole number from 0 to {MAX_BUFFER}, not {value!r}")
    return value


def check_buffer_by_sku(value: object) -> dict[str, int]:
    """`inventoryBufferBySku` as stored: SKU -> buffer, at most `MAX_SKU_BUFFERS` SKUs."""
    if not isinstance(value, Mapping):
        raise ValueError("must map SKUs to whole numbers")
    if len(value) > MAX_SKU_BUFFERS:
        raise ValueError(f"takes at most {MAX_SKU_BUFFERS} SKUs, not {len(value)}")
    checked: dict[str, int] = {}
    for sku, amount in value.items():
        if not isinstance(sku, str) or not sku or sku != sku.strip() or len(sku) > SKU_LONGEST:
            raise ValueError(f"{str(sku)[:40]!r} is not a SKU (1 to {SKU_LONGEST} characters)")
        try:
            checked[sku] = check_buffer(amount)
        except ValueError as problem:
            raise ValueError(f"SKU {sku!r}: the buffer {problem}") from None
    return checked
