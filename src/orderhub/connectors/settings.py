"""An integration setting a merchant may change, as a connector declares it.

Each connector declares its settings (`Connector.settings`): the key as the API spells it, a
label and a sentence a merchant understands, how a typed value is read, and the default.
`orderhub.services.integration_settings` checks and records every change through them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["SettingSpec", "choice", "whole_number"]


@dataclass(frozen=True)
class SettingSpec:
    key: str
    label: str
    help: str
    parse: Callable[[str], Any]
    """Reads a typed value; `ValueError` saying what the setting takes."""
    default: Any = None
    choices: tuple[str, ...] = ()
    show: Callable[[Any], str] | None = None
    """The text form of a stored value that `parse` reads back (a list or a table kept as
    JSON); None: the value is a word or a number, shown as it is."""

    @property
    def takes_text(self) -> bool:
        """Written as free text (a list, a table), not as a number or a choice."""
        return self.show is not None

    def text_of(self, value: Any) -> str:
        """What a form shows for a stored value: its text form, empty when not set."""
        if value is None:
            return ""
        return self.show(value) if self.show is not None else str(value)

    def shown(self, value: Any) -> str:
        return "(not set)" if value is None else self.text_of(value)


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
