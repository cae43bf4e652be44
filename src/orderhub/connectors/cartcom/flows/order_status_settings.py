"""The integration settings orders.pull reads: which store statuses it leaves out, and the
merchant's own mapping of some store statuses to hub statuses.

- `ordersPullSkipStatuses` — "Quote, Declined": store statuses (a name, compared
  case-insensitively, or an id) whose orders the hub does not create. See `OrdersPull` for what
  happens to an order the hub already holds.
- `orderStatusMap` — "Backordered=onHold, Awaiting Pickup=readyForFulfillment": for the named
  store statuses only, the hub status their orders get instead of the one their flags give
  (`mapping.statuses`). The hub status is written as the API spells it (`onHold`) or as the
  portal reads it ("On hold").

Both are kept as JSON (a list; an object of name → hub status) and written as text: `parse_*`
reads the text, `show_*` writes it back, so what the settings page shows is what it takes.
A name the store does not have is accepted (the store may add it; the hub's copy of the store's
statuses may be out of date) and shown as "not in the store" on the settings page.
Checked again once per run (`OrderStatusRules.from_settings`): a stored value the parser would
refuse is a `UsageError` that names the setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from orderhub.connectors.cartcom.mapping import StatusBook
from orderhub.domain.order import OrderStatus
from orderhub.errors import UsageError

__all__ = [
    "MAP_SETTING",
    "SKIP_SETTING",
    "OrderStatusRules",
    "parse_map",
    "parse_skip",
    "show_map",
    "show_skip",
]

SKIP_SETTING: Final = "ordersPullSkipStatuses"
MAP_SETTING: Final = "orderStatusMap"
MAX_ENTRIES: Final = 50
MAX_NAME: Final = 100
MAX_TEXT: Final = 6000


def _parts(text: str) -> list[str]:
    """Entries separated by commas or new lines; blank ones dropped."""
    if len(text) > MAX_TEXT:
        raise ValueError(f"is at most {MAX_TEXT} characters long")
    parts = [" ".join(p.split()) for p in text.replace("\n", ",").split(",")]
    found = [p for p in parts if p]
    if len(found) > MAX_ENTRIES:
        raise ValueError(f"names at most {MAX_ENTRIES} statuses")
    return found


def _status_name(entry: str) -> str:
    """One store status as a setting names it: its name, or its id (`12` or `#12`)."""
    name = entry.strip()
    if name.startswith("#") and name[1:].isascii() and name[1:].isdigit():
        name = name[1:]
    if not name:
        raise ValueError("names a store status by its name or id")
    if len(name) > MAX_NAME:
        raise ValueError(f"names statuses of at most {MAX_NAME} characters")
    if not name.isprintable() or "=" in name:
        raise ValueError(f"names a status with a character it cannot hold ({name[:40]!r})")
    return name


def parse_skip(text: str) -> list[str]:
    """The store statuses to leave out, from "Quote, Declined" (names or ids, deduplicated
    case-insensitively, in the order given)."""
    names: dict[str, str] = {}
    for part in _parts(text):
        name = _status_name(part)
        names.setdefault(name.casefold(), name)
    if not names:
        raise ValueError("must name store statuses (names or ids) separated by commas")
    return list(names.values())


def show_skip(value: Any, lookup: object = None) -> str:
    return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)


_HUB_STATUS: Final = {
    **{s.value.casefold(): s for s in OrderStatus},
    **{s.words.casefold(): s for s in OrderStatus},
}


def parse_map(text: str) -> dict[str, str]:
    """Store status → hub status, from "Backordered=onHold, Awaiting Pickup=On hold"."""
    mapped: dict[str, str] = {}
    seen: set[str] = set()
    for part in _parts(text):
        left, sep, right = part.partition("=")
        if not sep or "=" in right:
            raise ValueError(
                "is written STORE STATUS=HUB STATUS, separated by commas "
                f"(e.g. Backordered=onHold), not {part[:40]!r}"
            )
        name = _status_name(left)
        hub = _HUB_STATUS.get(" ".join(right.split()).casefold())
        if hub is None:
            raise ValueError(
                f"maps {name[:40]!r} to {right.strip()[:40]!r}, which is not a hub status; "
                f"use one of {', '.join(s.value for s in OrderStatus)}"
            )
        if name.casefold() in seen:
            raise ValueError(f"maps {name[:40]!r} twice")
        seen.add(name.casefold())
        mapped[name] = hub.value
    if not mapped:
        raise ValueError("must map store statuses, e.g. Backordered=onHold")
    return mapped


def show_map(value: Any, lookup: object = None) -> str:
    if not isinstance(value, Mapping):
        return str(value)
    return ", ".join(f"{name}={status}" for name, status in value.items())


@dataclass(frozen=True)
class OrderStatusRules:
    """What the two settings say, checked; `resolve` applies them to the store's statuses."""

    skip: tuple[str, ...] = ()
    overrides: Mapping[str, OrderStatus] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> OrderStatusRules:
        skip, mapped = settings.get(SKIP_SETTING), settings.get(MAP_SETTING)
        if skip is not None and not isinstance(skip, list):
            raise UsageError(f"The integration setting {SKIP_SETTING} must be a list")
        if mapped is not None and not isinstance(mapped, Mapping):
            raise UsageError(f"The integration setting {MAP_SETTING} must be an object")
        try:
            names = parse_skip(show_skip(skip)) if skip else []
        except ValueError as problem:
            raise UsageError(f"The integration setting {SKIP_SETTING} {problem}") from None
        try:
            pairs = parse_map(show_map(mapped)) if mapped else {}
        except ValueError as problem:
            raise UsageError(f"The integration setting {MAP_SETTING} {problem}") from None
        return cls(tuple(names), {name: OrderStatus(hub) for name, hub in pairs.items()})

    def skipped_ids(self, book: StatusBook) -> frozenset[int]:
        """The store status ids whose new orders the hub leaves out."""
        return frozenset(i for name in self.skip for i in book.ids_named(name))

    def applied(self, book: StatusBook) -> StatusBook:
        """`book` with the merchant's mapping for the statuses it names (all of a name's)."""
        if not self.overrides:
            return book
        by_id = {i: hub for name, hub in self.overrides.items() for i in book.ids_named(name)}
        return book.overridden(by_id)

    def missing_from(self, book: StatusBook) -> list[str]:
        """The statuses the settings name that `book` does not have (shown, not refused)."""
        named = [*self.skip, *(n for n in self.overrides if n.casefold() not in _folded(self.skip))]
        return [name for name in named if not book.ids_named(name)]


def _folded(names: tuple[str, ...]) -> set[str]:
    return {n.casefold() for n in names}
