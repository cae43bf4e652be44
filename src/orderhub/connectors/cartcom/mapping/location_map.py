"""The integration's location mapping: which store locations ARE hub locations already there.

`locationMap` is stored as `{store location ext id: hub location id}`, e.g.
`{"warehouse:3": "<hub id of WH-East>"}`. locations.pull does not write a mapped store location
as a hub location of its own (its old copy, if any, goes inactive), so a merchant whose hub
already has "WH-East" does not hold a second one for Cart.com's "Main Warehouse".

Its own module because two callers read it through the same check: the settings service
(`location_map_text`, what a merchant types) and locations.pull (what a run honours), so a
value stored through one always reads in the other.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from orderhub.connectors.cartcom.mapping.locations import STORE_LOCATION_PREFIX, WAREHOUSE_PREFIX

__all__ = [
    "LOCATION_MAP_SETTING",
    "MAX_MAPPED",
    "check_location_map",
    "store_ext_id",
]

LOCATION_MAP_SETTING: Final = "locationMap"
MAX_MAPPED: Final = 200
"""More store locations than any merchant maps (a store lists a handful)."""
_HUB_ID_LONGEST: Final = 200

_EXT_ID = re.compile(
    rf"(?P<prefix>{re.escape(WAREHOUSE_PREFIX)}|{re.escape(STORE_LOCATION_PREFIX)})"
    r"(?P<id>[1-9][0-9]{0,9})",
    re.IGNORECASE,
)


def store_ext_id(text: str) -> str | None:
    """`text` as a store location's external id ("Warehouse:3" -> "warehouse:3"), or None."""
    found = _EXT_ID.fullmatch(text.strip())
    if found is None:
        return None
    return f"{found['prefix'].lower()}{int(found['id'])}"


def check_location_map(value: object) -> dict[str, str]:
    """`locationMap` as stored: store location ext id -> hub location id, one store location per
    hub location, at most `MAX_MAPPED` entries."""
    if not isinstance(value, Mapping):
        raise ValueError("must map store locations (warehouse:ID, store-location:ID) to hub ids")
    if len(value) > MAX_MAPPED:
        raise ValueError(f"takes at most {MAX_MAPPED} store locations, not {len(value)}")
    checked: dict[str, str] = {}
    targets: dict[str, str] = {}
    for ext_id, hub_id in value.items():
        store = store_ext_id(ext_id) if isinstance(ext_id, str) else None
        if store is None or store != ext_id:
            raise ValueError(f"{str(ext_id)[:40]!r} is not a store location (warehouse:ID)")
        if not isinstance(hub_id, str) or not hub_id.strip() or len(hub_id) > _HUB_ID_LONGEST:
            raise ValueError(f"{ext_id}: {str(hub_id)[:40]!r} is not a hub location id")
        if hub_id in targets:
            raise ValueError(
                f"{targets[hub_id]} and {ext_id} are both mapped to hub location {hub_id}: "
                "one hub location stands for one store location"
            )
        targets[hub_id] = ext_id
        checked[ext_id] = hub_id
    return checked
