"""An integration setting a merchant may change, as a connector declares it.

Each connector declares its settings (`Connector.settings`): the key as the API spells it, a
label and a sentence a merchant understands, how a typed value is read, and the default.
`orderhub.services.integration_settings` checks and records every change through them.

A setting whose text names hub records (locations by name, SKUs in any case) is read in two
steps: `parse` (pure: the text's shape and bounds) and `resolve` (names to the ids stored,
through a `HubLookup`); `show` prints a stored value back in the text `parse` reads, so a
value shown in a form and saved unchanged is no change.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["HubLookup", "SettingSpec", "choice", "whole_number"]


class HubLookup(Protocol):
    """What a setting may look up in the hub while reading or showing a merchant's text."""

    def locations(self) -> Mapping[str, str]:
        """Every hub location (active or not): hub id -> name."""
        ...

    def skus(self, wanted: Collection[str]) -> Mapping[str, str]:
        """Each of `wanted` the hub knows (a product's or a stock record's SKU, compared
        case-insensitively, an exact match first) -> the hub's spelling; unknown ones are left
        out."""
        ...

    def held_locations(self) -> Mapping[str, tuple[str, str]]:
        """The locations the integration whose settings are read brought (active or not), as
        the last pull saw them: external id -> (hub id, name)."""
        ...


@dataclass(frozen=True)
class SettingSpec:
    key: str
    label: str
    help: str
    parse: Callable[[str], Any]
    """Reads a typed value; `ValueError` saying what the setting takes."""
    default: Any = None
    choices: tuple[str, ...] = ()
    show: Callable[[Any, HubLookup | None], str] | None = None
    """Prints a stored value in the text `parse` (and `resolve`) read back; `str` without it."""
    resolve: Callable[[Any, HubLookup], Any] | None = None
    """Turns what `parse` read into the value stored (names into hub ids); `ValueError` naming
    the names the hub does not know."""
    unset: str = "not set"
    """What leaving the setting unset means, in a merchant's words."""
    runs: tuple[str, ...] = ()
    """Flows (`FlowName` values) made due at once when the setting changes."""
    inputmode: str = "numeric"
    """The form field's `inputmode`: a whole number, unless a setting says otherwise."""

    def shown(self, value: Any, lookup: HubLookup | None = None) -> str:
        if value is None:
            return f"({self.unset})"
        if self.show is None:
            return str(value)
        try:
            return self.show(value, lookup)
        except (TypeError, ValueError, AttributeError):  # stored by hand, not through parse
            return str(value)

    def text(self, value: Any, lookup: HubLookup | None = None) -> str:
        """The value as a merchant types it ("" when unset): a form field's content."""
        return "" if value is None else self.shown(value, lookup)

    def default_shown(self, lookup: HubLookup | None = None) -> str:
        return self.unset if self.default is None else self.shown(self.default, lookup)


def choice(*choices: str) -> Callable[[str], str]:
    """A parser that takes one of `choices` (case-insensitive)."""

    def parse(text: str) -> str:
        value = text.strip().lower()
        if value not in choices:
            raise ValueError(f"must be {' or '.join(repr(c) for c in choices)}")
        return value

    return parse


def whole_number(low: int, high: int, meaning: str) -> Callable[[str], int]:
    """A parser that takes a whole number from `low` to `high` (ASCII digits only); a bad
    value's `ValueError` says "must be `meaning`"."""

    def parse(text: str) -> int:
        value = text.strip()
        if not value.isascii() or not value.isdigit() or not low <= int(value) <= high:
            raise ValueError(f"must be {meaning}")
        return int(value)

    return parse
