"""The Cart.com query syntax: `field=op:value`, `+AND+`/`+OR+`, a leading `OR+`.

After URL decoding a `+` is a space, so `gt:5+AND+lte:25` arrives as `gt:5 AND lte:25`, and a
literal `+` (an offset such as `+05:30`) arrives only when the client sent `%2B`. We split on
`AND`/`OR` between spaces or literal pluses; AND binds before OR (there are no parentheses).
A first value that starts with `OR+` makes the filters on different fields join with OR.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .columns import Column, comparable, parse_filter_value, to_json

if TYPE_CHECKING:
    from .store_time import StoreTime

__all__ = ["OPS", "Cond", "FieldFilter", "Filter", "QueryError", "compile_filter", "parse_filter"]

OPS = ("eq", "not", "like", "startwith", "gt", "gte", "lt", "lte")
RANGE_OPS = ("eq", "gt", "gte", "lt", "lte")
_OR = re.compile(r"[ +]OR[ +]")
_AND = re.compile(r"[ +]AND[ +]")
_LEADING_OR = re.compile(r"^OR[ +]")

Getter = Callable[[int, str], Any]


class QueryError(ValueError):
    """A malformed query: the API answers 400."""


@dataclass(frozen=True)
class Cond:
    op: str
    value: Any  # comparable form; None = null; str for like/startwith
    text: str


@dataclass(frozen=True)
class FieldFilter:
    column: Column
    groups: tuple[tuple[Cond, ...], ...]  # OR of AND-chains

    @property
    def name(self) -> str:
        return self.column.name


@dataclass(frozen=True)
class Filter:
    fields: tuple[FieldFilter, ...]
    join_or: bool

    def __bool__(self) -> bool:
        return bool(self.fields)


def _cond(column: Column, text: str, face: StoreTime | None = None) -> Cond:
    op, sep, rest = text.partition(":")
    if sep and op.lower() in OPS:
        op = op.lower()
        operand = rest
    else:
        op, operand = "eq", text
    if op in ("like", "startwith"):
        return Cond(op, operand.casefold(), operand)
    try:
        return Cond(op, parse_filter_value(column, operand, face), operand)
    except ValueError as exc:
        raise QueryError(str(exc)) from None


def parse_filter(
    items: list[tuple[str, str]],
    columns: dict[str, Column],
    nested: set[str],
    resource: str,
    face: StoreTime | None = None,
) -> Filter:
    """Decoded (name, value) query pairs that are not paging/shape parameters -> a Filter.

    Times without an offset are read in the store's zone (`face`)."""
    fields: list[FieldFilter] = []
    join_or = False
    for name, raw in items:
        column = columns.get(name)
        if name in nested:
            raise QueryError(f"Cannot filter on nested resource '{name}'")
        if column is None or not column.filterable:
            raise QueryError(f"Invalid field '{name}' for resource '{resource}'")
        text = raw
        if _LEADING_OR.match(text):
            join_or = True
            text = text[3:]
        groups = tuple(
            tuple(_cond(column, part, face) for part in _AND.split(alt)) for alt in _OR.split(text)
        )
        fields.append(FieldFilter(column, groups))
    return Filter(tuple(fields), join_or)


def _test(cond: Cond, kind: str, raw: Any, face: StoreTime | None = None) -> bool:
    op = cond.op
    if op in ("like", "startwith"):
        if raw is None:
            return False
        text = to_json(kind, raw, face=face)  # type: ignore[arg-type]
        hay = (text if isinstance(text, str) else str(text).lower()).casefold()
        return cond.value in hay if op == "like" else hay.startswith(cond.value)
    value = cond.value
    x = comparable(kind, raw)  # type: ignore[arg-type]
    if value is None:
        return (x is None) if op == "eq" else (x is not None) if op == "not" else False
    if x is None:
        return False
    try:
        if op == "eq":
            return bool(x == value)
        if op == "not":
            return bool(x != value)
        if op == "gt":
            return bool(x > value)
        if op == "gte":
            return bool(x >= value)
        if op == "lt":
            return bool(x < value)
        return bool(x <= value)
    except TypeError:
        return False


def compile_filter(
    flt: Filter, get: Getter, skip: set[str] | None = None, face: StoreTime | None = None
) -> Callable[[int], bool] | None:
    """A row predicate for `flt` (None when nothing is left to test after `skip`)."""
    parts: list[Callable[[int], bool]] = []
    for ff in flt.fields:
        if skip and ff.name in skip and not flt.join_or:
            continue
        name, kind, groups = ff.name, ff.column.kind, ff.groups

        def field_ok(
            row: int,
            name: str = name,
            kind: str = kind,
            groups: tuple[tuple[Cond, ...], ...] = groups,
        ) -> bool:
            raw = get(row, name)
            return any(all(_test(c, kind, raw, face) for c in chain) for chain in groups)

        parts.append(field_ok)
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    if flt.join_or:
        return lambda row: any(p(row) for p in parts)
    return lambda row: all(p(row) for p in parts)


def time_bounds(ff: FieldFilter) -> tuple[int | None, int | None] | None:
    """Inclusive millisecond bounds when `ff` is one AND-chain of range ops on a time field."""
    if ff.column.kind not in ("time", "time_empty") or len(ff.groups) != 1:
        return None
    lo: int | None = None
    hi: int | None = None
    for cond in ff.groups[0]:
        if cond.op not in RANGE_OPS or cond.value is None:
            return None
        us = int(cond.value)
        floor_ms, rem = divmod(us, 1000)
        ceil_ms = floor_ms + (1 if rem else 0)
        if cond.op in ("gte", "eq"):
            lo = ceil_ms if lo is None else max(lo, ceil_ms)
        if cond.op == "gt":
            lo = floor_ms + 1 if lo is None else max(lo, floor_ms + 1)
        if cond.op in ("lte", "eq"):
            hi = floor_ms if hi is None else min(hi, floor_ms)
        if cond.op == "lt":
            hi = ceil_ms - 1 if hi is None else min(hi, ceil_ms - 1)
    return lo, hi


def eq_values(ff: FieldFilter) -> list[Any] | None:
    """The values when `ff` is an OR of single `eq` conditions (an id list), else None."""
    values = []
    for chain in ff.groups:
        if len(chain) != 1 or chain[0].op != "eq" or chain[0].value is None:
            return None
        values.append(chain[0].value)
    return values
