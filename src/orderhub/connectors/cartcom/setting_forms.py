"""The text forms of inventory.push's and products.push's settings: read, resolved, shown.

Each reader ends in the check the flow itself reads the stored value with
(`mapping.inventory_settings.check_*`, `product_push_settings.check_field_owners`), so there is
one rule for what a value may be, and what the service stores is exactly what the flow reads:

- `inventoryBuffer` "5" -> 5.
- `inventoryBufferBySku` "TSHIRT-RED=2, MUG=0" -> {"TSHIRT-RED": 2, "MUG": 0}. Each SKU must be
  one the hub knows (a product's or a stock record's), typed in any case: it is stored as the
  hub spells it, because the flow matches it exactly.
- `inventoryLocations` "Main warehouse, 3f2a…" -> a list of hub location ids (names resolved;
  `setting_text.location_ids`).
- `productFieldOwner` "price=cartcom, name=hub" -> {"price": "cartcom", "name": "hub"}; field
  names in any case ("retailprice" is `retailPrice`).
"""

from __future__ import annotations

from typing import Any

from orderhub.connectors.cartcom.flows.product_push_settings import OWNERS, check_field_owners
from orderhub.connectors.cartcom.mapping.inventory_settings import (
    MAX_BUFFER,
    MAX_LOCATIONS,
    MAX_SKU_BUFFERS,
    SKU_LONGEST,
    check_buffer,
    check_buffer_by_sku,
    check_locations,
)
from orderhub.connectors.cartcom.mapping.product_bodies import PRODUCT_FIELDS
from orderhub.connectors.setting_text import (
    LOCATION_LONGEST,
    location_ids,
    location_text,
    pairs_text,
    split_items,
    split_pairs,
)
from orderhub.connectors.settings import HubLookup, whole_number

__all__ = [
    "parse_buffer",
    "parse_buffer_by_sku",
    "parse_field_owners",
    "parse_locations",
    "resolve_buffer_by_sku",
    "resolve_locations",
    "show_buffer_by_sku",
    "show_field_owners",
    "show_locations",
]

_units = whole_number(0, MAX_BUFFER, f"a whole number of units from 0 to {MAX_BUFFER}")


def parse_buffer(text: str) -> int:
    return check_buffer(_units(text))


def parse_buffer_by_sku(text: str) -> dict[str, int]:
    buffers: dict[str, int] = {}
    for sku, amount in split_pairs(text, most=MAX_SKU_BUFFERS, longest=SKU_LONGEST, what="SKUs"):
        if sku in buffers:
            raise ValueError(f"SKU {sku[:40]!r} is given twice")
        try:
            buffers[sku] = _units(amount)
        except ValueError as problem:
            raise ValueError(f"SKU {sku[:40]!r}: the buffer {problem}") from None
    return check_buffer_by_sku(buffers)


def resolve_buffer_by_sku(buffers: dict[str, int], lookup: HubLookup) -> dict[str, int]:
    """The SKUs as the hub spells them; `ValueError` naming the ones it does not know."""
    known = lookup.skus(buffers)
    unknown = [sku for sku in buffers if sku not in known]
    if unknown:
        names = ", ".join(repr(sku[:40]) for sku in unknown[:10])
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        raise ValueError(f"no hub product or stock has the SKU {names}{more}")
    resolved: dict[str, int] = {}
    for sku, amount in buffers.items():
        spelled = known[sku]
        if spelled in resolved:
            raise ValueError(f"SKU {spelled[:40]!r} is given twice")
        resolved[spelled] = amount
    return check_buffer_by_sku(resolved)


def show_buffer_by_sku(value: Any, _lookup: HubLookup | None) -> str:
    return pairs_text(dict(sorted(dict(value).items())))


def parse_locations(text: str) -> list[str]:
    return split_items(text, most=MAX_LOCATIONS, longest=LOCATION_LONGEST, what="locations")


def resolve_locations(references: list[str], lookup: HubLookup) -> list[str]:
    return check_locations(location_ids(references, lookup))


def show_locations(value: Any, lookup: HubLookup | None) -> str:
    return location_text(list(value), lookup)


_FIELDS = {name.casefold(): name for name in PRODUCT_FIELDS}


def parse_field_owners(text: str) -> dict[str, str]:
    owners: dict[str, str] = {}
    for name, owner in split_pairs(text, most=len(PRODUCT_FIELDS), longest=40, what="fields"):
        field = _FIELDS.get(name.casefold())
        if field is None:
            fields = ", ".join(PRODUCT_FIELDS)
            raise ValueError(f"{name[:40]!r} is not a product field; fields: {fields}")
        if field in owners:
            raise ValueError(f"{field!r} is given twice")
        if owner.casefold() not in OWNERS:
            raise ValueError(f"{field}: the owner must be {' or '.join(OWNERS)}, not {owner!r}")
        owners[field] = owner.casefold()
    return check_field_owners(owners)


def show_field_owners(value: Any, _lookup: HubLookup | None) -> str:
    owners = dict(value)
    return pairs_text({name: owners[name] for name in PRODUCT_FIELDS if name in owners})
