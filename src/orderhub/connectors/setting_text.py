"""The text forms of list and table settings, as a merchant types and reads them back.

A list is comma-separated ("Main warehouse, Backroom"); a table is comma-separated
`key=value` pairs ("TSHIRT-RED=2, MUG=0"), split at the last `=` so a key may hold one. Items are
trimmed and empty ones dropped, so "a,, b ," is "a, b". Every reader is bounded: how many
items, how long each. A name that holds a comma cannot be typed in a list; the list's `show`
prints such an item by its id instead (`location_text`).

Hub locations are stored by hub id, never by name: renaming a location (the store's warehouse
renamed, pulled again) keeps the setting, and the form shows the new name. A merchant may type
an id or a name (either case-insensitive; an id first); a name two locations share must be
given by id.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from orderhub.connectors.settings import HubLookup

__all__ = [
    "LOCATION_LONGEST",
    "location_ids",
    "location_text",
    "pairs_text",
    "split_items",
    "split_pairs",
]

LOCATION_LONGEST = 200
"""The longest location reference (id or name) a list setting takes."""

_LISTED = 8
"""How many known names an error about an unknown one lists."""


def split_items(text: str, *, most: int, longest: int, what: str) -> list[str]:
    """The comma-separated items of `text`, trimmed; `ValueError` past the bounds."""
    items = [item.strip() for item in text.split(",")]
    items = [item for item in items if item]
    if len(items) > most:
        raise ValueError(f"takes at most {most} {what}, not {len(items)}")
    for item in items:
        if len(item) > longest or not item.isprintable():
            raise ValueError(f"{item[:40]!r} is not a {what[:-1]} (at most {longest} characters)")
    return items


def split_pairs(text: str, *, most: int, longest: int, what: str) -> list[tuple[str, str]]:
    """The `key=value` items of `text`, each trimmed on both sides of its last `=`."""
    found: list[tuple[str, str]] = []
    for item in split_items(text, most=most, longest=longest + 20, what=what):
        key, sep, value = item.rpartition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"write each of the {what} as KEY=VALUE, not {item[:40]!r}")
        if len(key.strip()) > longest:
            raise ValueError(f"{key.strip()[:40]!r} is longer than {longest} characters")
        found.append((key.strip(), value.strip()))
    return found


def pairs_text(pairs: Mapping[str, object]) -> str:
    return ", ".join(f"{key}={value}" for key, value in pairs.items())


def location_ids(references: Sequence[str], lookup: HubLookup) -> list[str]:
    """The hub ids of the locations typed (ids or names, in order, each once).

    Raises `ValueError` naming every reference that is no hub location, or a name that more than
    one location has (with their ids, to give one).
    """
    known = lookup.locations()
    by_name: dict[str, list[str]] = {}
    for hub_id, name in known.items():
        by_name.setdefault(name.casefold(), []).append(hub_id)
    by_id = {hub_id.casefold(): hub_id for hub_id in known}
    found: list[str] = []
    unknown: list[str] = []
    for reference in references:
        same = reference if reference in known else by_id.get(reference.casefold())
        if same is not None:
            found.append(same)
            continue
        named = by_name.get(reference.casefold(), [])
        if len(named) > 1:
            raise ValueError(
                f"{len(named)} locations are called {reference!r} ({', '.join(sorted(named))}); "
                "give the id of the one you mean"
            )
        if named:
            found.append(named[0])
        else:
            unknown.append(reference)
    if unknown:
        listed = ", ".join(_label(hub_id, known[hub_id]) for hub_id in list(known)[:_LISTED])
        more = " …" if len(known) > _LISTED else ""
        raise ValueError(
            f"no hub location is called {', '.join(repr(u[:40]) for u in unknown)}; "
            + (f"the locations are: {listed}{more}" if known else "the hub has no location yet")
        )
    return list(dict.fromkeys(found))


def location_text(hub_ids: Collection[str], lookup: HubLookup | None) -> str:
    """The locations as `location_ids` reads them back: each by its name where that name is
    typeable and names it alone, else by its id (also when the hub no longer has it)."""
    known = lookup.locations() if lookup is not None else {}
    ids = {hub_id.casefold() for hub_id in known}
    counts: dict[str, int] = {}
    for each in known.values():
        counts[each.casefold()] = counts.get(each.casefold(), 0) + 1
    shown: list[str] = []
    for hub_id in hub_ids:
        name = known.get(hub_id, "")
        typeable = (
            0 < len(name) <= LOCATION_LONGEST
            and name == name.strip()
            and "," not in name
            and name.isprintable()
            and counts.get(name.casefold()) == 1
            and name.casefold() not in ids  # an id is read before a name
        )
        shown.append(name if typeable else hub_id)
    return ", ".join(shown)


def _label(hub_id: str, name: str) -> str:
    return f"{name[:40]} ({hub_id})"
