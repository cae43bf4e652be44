"""Columns: how one field of a resource is typed on the wire and stored in memory.

A resource's records live column by column (see `table.py`) so 200,000 orders fit in a few
hundred MiB: integers, times and money sit in typed arrays (8 bytes a row), strings in lists of
shared objects, and fields that rarely differ from a default (most of an order's 60-odd fields)
in a sparse dict of overrides, or are derived from the row (an IP address from a hash).

`Kind` names the wire type, including the Cart.com quirks: money as JSON numbers with decimals,
`""` for a missing `approved_at`, integer `postal_code` where it is all digits, 0/1 int flags.

`postal` is the one kind whose wire type is a realism switch (`PostalForm`): acapi.yaml types
`order_addresses.postal_code` as an integer, and the docs never show a leading-zero ZIP, so
whether a real store sends `2187` or `"02187"` is open. `"integer"` (the default, the spec's
type) sends every code that can be a number as one: all digits, or a US ZIP+4, whose nine
digits are what an integer column can hold (`"02187-1234"` -> `21871234`); `"string"` sends
the stored text.
"""

from __future__ import annotations

import math
import re
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from .timefmt import TimeParseError, format_ms, grid_ms, parse_time_us

if TYPE_CHECKING:
    from .store_time import StoreTime

__all__ = [
    "NULL_INT",
    "POSTAL_FORMS",
    "Column",
    "DenseFloat",
    "DenseInt",
    "DenseObj",
    "Kind",
    "PostalForm",
    "Sparse",
    "Storage",
    "ValueError409",
    "decode_body_value",
    "make_storage",
    "parse_filter_value",
    "postal_json",
    "to_json",
]

Kind = Literal[
    "int", "nint", "money", "nmoney", "bool", "flag", "str", "time", "time_empty", "postal", "json"
]
Derive = Callable[[int, int], Any]  # (seed, record id) -> raw value
PostalForm = Literal["integer", "string"]
POSTAL_FORMS: tuple[PostalForm, ...] = ("integer", "string")
_ZIP_PLUS_4 = re.compile(r"[0-9]{5}[- ][0-9]{4}")

NULL_INT = -(2**63)
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
"""A SQL Server `int`, what the store's integer fields are: a larger value is a 409, as an
overflowing conversion is, never a crash (an unhandled error was a plain-text 500)."""
MONEY_MAX = 922_337_203_685_477.0
"""The largest SQL Server `money` value."""
_INT_KINDS = ("int", "nint", "flag", "time", "time_empty")
_FLOAT_KINDS = ("money", "nmoney")
NULLABLE = ("nint", "nmoney", "time", "time_empty", "json", "str")


class ValueError409(ValueError):
    """A body value of the wrong type: the API answers 409 (validation failure)."""


@dataclass(frozen=True)
class Column:
    """One field. `dense`: array/list storage; else a default (or `derive`) plus overrides."""

    name: str
    kind: Kind
    dense: bool = False
    default: Any = None
    derive: Derive | None = None
    readonly: bool = False
    hidden: bool = False  # internal bookkeeping, never rendered or filtered

    @property
    def filterable(self) -> bool:
        return not self.hidden and self.kind != "json"


class Storage(Protocol):
    def get(self, row: int) -> Any: ...

    def set(self, row: int, value: Any) -> None: ...

    def append(self, row: int, value: Any) -> None: ...

    def truncate(self, n: int) -> None: ...


class DenseInt:
    """int64 array; `None` stored as a sentinel."""

    __slots__ = ("data",)

    def __init__(self) -> None:
        self.data = array("q")

    def get(self, row: int) -> Any:
        v = self.data[row]
        return None if v == NULL_INT else v

    def set(self, row: int, value: Any) -> None:
        self.data[row] = NULL_INT if value is None else value

    def append(self, row: int, value: Any) -> None:
        self.data.append(NULL_INT if value is None else value)

    def truncate(self, n: int) -> None:
        del self.data[n:]


class DenseFloat:
    """float64 array; `None` stored as NaN."""

    __slots__ = ("data",)

    def __init__(self) -> None:
        self.data = array("d")

    def get(self, row: int) -> Any:
        v = self.data[row]
        return None if math.isnan(v) else v

    def set(self, row: int, value: Any) -> None:
        self.data[row] = math.nan if value is None else value

    def append(self, row: int, value: Any) -> None:
        self.data.append(math.nan if value is None else value)

    def truncate(self, n: int) -> None:
        del self.data[n:]


class DenseObj:
    """A list of (mostly shared) Python objects."""

    __slots__ = ("data",)

    def __init__(self) -> None:
        self.data: list[Any] = []

    def get(self, row: int) -> Any:
        return self.data[row]

    def set(self, row: int, value: Any) -> None:
        self.data[row] = value

    def append(self, row: int, value: Any) -> None:
        self.data.append(value)

    def truncate(self, n: int) -> None:
        del self.data[n:]


class Sparse:
    """A default (or a value derived from seed and id) plus a dict of per-row overrides."""

    __slots__ = ("default", "derive", "ids", "overrides", "seed")

    def __init__(self, default: Any, derive: Derive | None, seed: int, ids: array[int]) -> None:
        self.default = default
        self.derive = derive
        self.seed = seed
        self.ids = ids
        self.overrides: dict[int, Any] = {}

    def base(self, row: int) -> Any:
        if self.derive is not None:
            return self.derive(self.seed, self.ids[row])
        return self.default

    def get(self, row: int) -> Any:
        if row in self.overrides:
            return self.overrides[row]
        return self.base(row)

    def set(self, row: int, value: Any) -> None:
        if value == self.base(row) and type(value) is type(self.base(row)):
            self.overrides.pop(row, None)
        else:
            self.overrides[row] = value

    def append(self, row: int, value: Any) -> None:
        self.set(row, value)

    def truncate(self, n: int) -> None:
        for row in [r for r in self.overrides if r >= n]:
            del self.overrides[row]


def make_storage(column: Column, seed: int, ids: array[int]) -> Storage:
    if not column.dense:
        return Sparse(column.default, column.derive, seed, ids)
    if column.kind in _INT_KINDS:
        return DenseInt()
    if column.kind in _FLOAT_KINDS:
        return DenseFloat()
    return DenseObj()


def postal_json(raw: Any, form: PostalForm = "integer") -> Any:
    """A stored postal code as the store sends it under the `form` switch (module docstring).

    Text that cannot be a number (`"K1A 0B1"`, `"SW1A 2AA"`, `""`) is text in both forms.
    """
    if form == "string" or not isinstance(raw, str) or not raw.isascii():
        return raw
    if raw.isdigit():
        return int(raw)
    if _ZIP_PLUS_4.fullmatch(raw):
        return int(raw[:5] + raw[6:])
    return raw


def to_json(
    kind: Kind, raw: Any, postal_form: PostalForm = "integer", face: StoreTime | None = None
) -> Any:
    """Stored value -> the JSON value Cart.com would send (times on the store's `face`)."""
    fmt = format_ms if face is None else face.format
    if kind == "time":
        return None if raw is None else fmt(raw)
    if kind == "time_empty":
        return "" if raw is None else fmt(raw)
    if kind == "postal":
        return postal_json(raw, postal_form)
    return raw


def decode_body_value(column: Column, value: Any, face: StoreTime | None = None) -> Any:
    """A value from a POST/PUT body -> the stored value; wrong types raise `ValueError409`.

    A time without an offset is read in the store's zone (`face`; US Central without one).
    """
    kind = column.kind
    name = column.name
    if value is None:
        if kind in NULLABLE:
            return "" if kind == "str" else None
        raise ValueError409(f"'{name}' cannot be null")
    if kind in ("int", "nint", "flag"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError409(f"'{name}' must be an integer")
        if isinstance(value, float) and not value.is_integer():
            raise ValueError409(f"'{name}' must be an integer")
        if not INT_MIN <= value <= INT_MAX:
            raise ValueError409(f"'{name}' is out of range for an integer ({str(value)[:24]})")
        return int(value)
    if kind in _FLOAT_KINDS:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError409(f"'{name}' must be a number")
        if not math.isfinite(value) or abs(value) > MONEY_MAX:
            raise ValueError409(f"'{name}' is out of range for a number")
        return float(value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError409(f"'{name}' must be true or false")
        return value
    if kind in ("time", "time_empty"):
        if value == "":
            return None
        if not isinstance(value, str):
            raise ValueError409(f"'{name}' must be an ISO 8601 date/time string")
        try:
            naive = None if face is None else face.naive_to_utc_us
            return grid_ms(parse_time_us(value, naive) / 1000)
        except TimeParseError as exc:
            raise ValueError409(f"'{name}': {exc}") from exc
    if kind in ("str", "postal"):
        if isinstance(value, int | float) and not isinstance(value, bool) and kind == "postal":
            return str(int(value))
        if not isinstance(value, str):
            raise ValueError409(f"'{name}' must be a string")
        return value
    return value  # json


def parse_filter_value(column: Column, text: str, face: StoreTime | None = None) -> Any:
    """A filter operand -> a value comparable with `comparable(raw)`; `None` means null.

    Raises `ValueError` (the API answers 400) when the text does not fit the field's type.
    """
    kind = column.kind
    if text.lower() == "null":
        return None
    if kind in ("int", "nint", "flag"):
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"'{text}' is not an integer (field '{column.name}')") from None
    if kind in _FLOAT_KINDS:
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"'{text}' is not a number (field '{column.name}')") from None
    if kind == "bool":
        lowered = text.lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise ValueError(f"'{text}' is not true or false (field '{column.name}')")
    if kind in ("time", "time_empty"):
        try:
            return parse_time_us(text, None if face is None else face.naive_to_utc_us)
        except TimeParseError as exc:
            raise ValueError(f"{exc} (field '{column.name}'; send a '+' offset as %2B)") from None
    return text.casefold()


def comparable(kind: Kind, raw: Any) -> Any:
    """Stored value -> the form `parse_filter_value` produces (times in microseconds)."""
    if raw is None:
        return None
    if kind in ("time", "time_empty"):
        return raw * 1000
    if kind in ("str", "postal"):
        return raw.casefold() if isinstance(raw, str) else str(raw).casefold()
    return raw
