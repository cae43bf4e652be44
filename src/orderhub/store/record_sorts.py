"""How a record list may be sorted: a known field, either way, ties broken by hub id.

Only the fields named in `SortField` sort; anything else a caller was given (a portal link,
an API parameter) is refused by `RecordSort.parse` (None), never turned into SQL. Every
ordering ends with the hub id in the same direction, so the rows form one total order and
paging through it never repeats or skips a record, however many rows share a value.
Missing values (an order without a customer) sort last either way.

The fields read the indexed query columns where there is one, and the record's document
(`json_extract` / `->>`) for what a list shows of an order: its date, customer, total and
number of lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

from sqlalchemy import func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Integer

from orderhub.store.tables import IntegrationRow, RecordRow

__all__ = ["NEWEST_FIRST", "SORT_FIELDS", "RecordSort", "SortField", "ordering"]

SortField = Literal[
    "updatedAt",
    "createdAt",
    "sku",
    "extRef",
    "status",
    "integration",
    "sourceCreatedAt",
    "sourceUpdatedAt",
    "customer",
    "totalPrice",
    "lineCount",
]
"""The hub's times, SKU, the kind's external reference (an order's number), status, the
integration's name; the source's creation time (an order's date) and update time, the
customer's name, the order total and its number of lines."""

SORT_FIELDS: tuple[SortField, ...] = get_args(SortField)


@dataclass(frozen=True)
class RecordSort:
    field: SortField
    descending: bool = False

    @classmethod
    def parse(cls, text: str | None) -> RecordSort | None:
        """`"totalPrice"` ascending, `"-totalPrice"` descending; None for anything unknown."""
        if not text:
            return None
        descending = text.startswith("-")
        name = text[1:] if descending else text
        for known in SORT_FIELDS:
            if name == known:
                return cls(known, descending)
        return None

    def __str__(self) -> str:
        return f"-{self.field}" if self.descending else self.field


NEWEST_FIRST = RecordSort("updatedAt", descending=True)


class _JsonArrayLength(FunctionElement[int]):
    """The length of the JSON array at a key of a document column (0 when there is none)."""

    type = Integer()
    inherit_cache = True
    name = "json_array_length"


@compiles(_JsonArrayLength, "sqlite")
def _sqlite_length(element: _JsonArrayLength, compiler: Any, **kw: Any) -> str:
    column, key = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"coalesce(json_array_length({column}, '$.' || {key}), 0)"


@compiles(_JsonArrayLength, "postgresql")
def _postgres_length(element: _JsonArrayLength, compiler: Any, **kw: Any) -> str:
    column, key = element.clauses
    array = f"({compiler.process(column, **kw)} -> {compiler.process(key, **kw)})"
    return (
        f"coalesce(CASE WHEN jsonb_typeof({array}) = 'array' "
        f"THEN jsonb_array_length({array}) END, 0)"
    )


def _text(*path: str) -> Any:
    return RecordRow.data[path if len(path) > 1 else path[0]].as_string()


_NEVER_EMPTY: dict[SortField, Any] = {
    "updatedAt": RecordRow.updated_at,
    "createdAt": RecordRow.created_at,
}
"""Columns that are never NULL: sorted plainly, so PostgreSQL reads them off their index."""


def _key(field: SortField) -> tuple[Any, ...]:
    """The expressions a field that may be empty sorts by, most significant first."""
    if field == "sku":
        return (RecordRow.sku,)
    if field == "extRef":
        # "#999" before "#1000": shorter numbers first, then by text.
        return (func.length(RecordRow.ext_ref), RecordRow.ext_ref)
    if field == "status":
        return (RecordRow.status,)
    if field == "integration":
        named = (
            select(IntegrationRow.name)
            .where(IntegrationRow.integration_id == RecordRow.integration_id)
            .scalar_subquery()
        )
        return (func.lower(named), RecordRow.integration_id)
    if field == "sourceCreatedAt":
        # Stored as ISO-8601 UTC text of one shape, so text order is time order.
        return (_text("extOrderCreatedAt"),)
    if field == "sourceUpdatedAt":
        return (func.coalesce(RecordRow.ext_updated_at, RecordRow.updated_at),)
    if field == "customer":
        first = func.coalesce(_text("customer", "firstName"), "")
        last = func.coalesce(_text("customer", "lastName"), "")
        name = func.nullif(func.trim(first + " " + last), "")
        return (func.lower(name), func.lower(_text("email")))
    if field == "totalPrice":
        return (RecordRow.data["totalPrice"].as_float(),)
    return (_JsonArrayLength(RecordRow.data, "lineItems"),)


def ordering(sort: RecordSort) -> tuple[Any, ...]:
    """ORDER BY terms for `sort`: its key, empty values last, then the hub id."""
    terms: list[Any] = []
    plain = _NEVER_EMPTY.get(sort.field)
    if plain is not None:
        terms.append(plain.desc() if sort.descending else plain.asc())
    for expression in () if plain is not None else _key(sort.field):
        term = expression.desc() if sort.descending else expression.asc()
        terms.append(term.nulls_last())
    terms.append(RecordRow.hub_id.desc() if sort.descending else RecordRow.hub_id.asc())
    return tuple(terms)
