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

    def shown(self, value: Any) -> str:
        return "(not set)" if value is None else str(value)


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
