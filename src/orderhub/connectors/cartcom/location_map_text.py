"""`locationMap` as a merchant types and reads it: "Main Warehouse=WH-East, #3=Dallas DC".

The store side (left of the last `=`) is one of this store's locations: its name as the last
locations.pull saw it (case-insensitive), `#3` (the warehouse or store location numbered 3, when
only one of the two the hub holds has that number) or its external id (`warehouse:3`,
`store-location:3`; taken even before a pull has seen it). The hub side is a hub location by
name or id (`setting_text.location_ids`), stored by id.

Refused, naming what is wrong, with nothing stored: a store location or hub location given
twice, a hub location that is one of this store's own pulled copies (mapping a store location
onto its own copy, or onto a sibling's, would make locations.pull hide the location it maps
to), and anything past the bounds (`MAX_MAPPED` entries, `LOCATION_LONGEST` characters a side).
Shown back by names where a name reads back to the same location, else by `#id` or the id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orderhub.connectors.cartcom.mapping.location_map import (
    MAX_MAPPED,
    check_location_map,
    store_ext_id,
)
from orderhub.connectors.setting_text import (
    LOCATION_LONGEST,
    location_ids,
    location_text,
    split_pairs,
)
from orderhub.connectors.settings import HubLookup

__all__ = ["parse_location_map", "resolve_location_map", "show_location_map"]

_LISTED = 8

_Held = Mapping[str, tuple[str, str]]
"""A store's pulled locations: external id -> (hub id, name)."""


def parse_location_map(text: str) -> list[tuple[str, str]]:
    """The typed `store=hub` pairs, in order; `ValueError` past the bounds or for a store
    location typed twice."""
    pairs = split_pairs(text, most=MAX_MAPPED, longest=2 * LOCATION_LONGEST, what="locations")
    seen: set[str] = set()
    for store, hub in pairs:
        for side in (store, hub):
            if len(side) > LOCATION_LONGEST:
                raise ValueError(f"{side[:40]!r} is longer than {LOCATION_LONGEST} characters")
        folded = (store_ext_id(store) or store).casefold()
        if folded in seen:
            raise ValueError(f"the store location {store[:40]!r} is given twice")
        seen.add(folded)
    return pairs


def resolve_location_map(pairs: list[tuple[str, str]], lookup: HubLookup) -> dict[str, str]:
    """Store locations to external ids, hub locations to hub ids; `ValueError` naming every
    store location the last pull did not see, or the first other problem."""
    held = lookup.held_locations()
    stores: list[str] = []
    unknown: list[str] = []
    for store, _hub in pairs:
        ext_id = _store_location(store, held)
        if ext_id is None:
            unknown.append(store)
        else:
            stores.append(ext_id)
    if unknown:
        raise ValueError(_unknown_store(unknown, held))
    location_ids([hub for _store, hub in pairs], lookup)  # names every unknown one at once
    own = {hub_id: ext_id for ext_id, (hub_id, _name) in held.items()}
    mapped: dict[str, str] = {}
    onto: dict[str, str] = {}
    for ext_id, (store, hub) in zip(stores, pairs, strict=True):
        (hub_id,) = location_ids([hub], lookup)
        if ext_id in mapped:
            raise ValueError(f"the store location {store[:40]!r} is given twice")
        if hub_id in own:
            raise ValueError(
                f"{hub[:40]!r} is this store's own location {own[hub_id]}: map {store[:40]!r} "
                "onto a location made in the hub or brought from another store"
            )
        if hub_id in onto:
            raise ValueError(
                f"{onto[hub_id][:40]!r} and {store[:40]!r} are both mapped to {hub[:40]!r}: "
                "one hub location stands for one store location"
            )
        onto[hub_id] = store
        mapped[ext_id] = hub_id
    return check_location_map(mapped)


def show_location_map(value: Any, lookup: HubLookup | None) -> str:
    mapped = check_location_map(value)
    held = lookup.held_locations() if lookup is not None else {}
    return ", ".join(
        f"{_store_text(ext_id, held)}={_hub_text(hub_id, lookup)}"
        for ext_id, hub_id in mapped.items()
    )


def _store_location(text: str, held: _Held) -> str | None:
    """The external id `text` names among this store's locations, or None."""
    ext_id = store_ext_id(text)
    if ext_id is not None:
        return ext_id
    if text.startswith("#"):
        numbered = _numbered(text[1:], held)
        if len(numbered) > 1:
            raise ValueError(
                f"{text[:40]!r} is {' and '.join(numbered)}: give the one you mean as such"
            )
        return numbered[0] if numbered else None
    named = [ext for ext, (_hub_id, name) in held.items() if name.casefold() == text.casefold()]
    if len(named) > 1:
        raise ValueError(
            f"{len(named)} of this store's locations are called {text[:40]!r} "
            f"({', '.join(sorted(named))}): give the one you mean by its id"
        )
    return named[0] if named else None


def _numbered(number: str, held: _Held) -> list[str]:
    if not number.isascii() or not number.isdigit():
        return []
    return sorted(ext for ext in held if ext.rpartition(":")[2] == str(int(number)))


def _unknown_store(unknown: list[str], held: _Held) -> str:
    names = ", ".join(repr(u[:40]) for u in unknown)
    if not held:
        return (
            f"no store location is called {names}: locations.pull has not brought this "
            "store's locations yet (run it, or give warehouse:ID or store-location:ID)"
        )
    listed = ", ".join(f"{name[:40]} ({ext})" for ext, (_h, name) in list(held.items())[:_LISTED])
    more = " …" if len(held) > _LISTED else ""
    return (
        f"no store location is called {names} as locations.pull last saw them; "
        f"the store's locations are: {listed}{more}"
    )


def _store_text(ext_id: str, held: _Held) -> str:
    """A store location as `_store_location` reads it back: by name, `#id` or external id."""
    name = held[ext_id][1] if ext_id in held else ""
    same_name = sum(1 for _h, each in held.values() if each.casefold() == name.casefold())
    typeable = (
        0 < len(name) <= LOCATION_LONGEST
        and name == name.strip()
        and "," not in name
        and name.isprintable()
        and not name.startswith("#")
        and store_ext_id(name) is None
        and same_name == 1
    )
    if typeable:
        return name
    number = ext_id.rpartition(":")[2]
    return f"#{number}" if _numbered(number, held) == [ext_id] else ext_id


def _hub_text(hub_id: str, lookup: HubLookup | None) -> str:
    shown = location_text([hub_id], lookup)
    return hub_id if "=" in shown else shown  # the pair splits at its last "="
