"""What differs between SQLite and PostgreSQL, kept in one place.

The store runs the same code on both databases. The few places where they differ are here:
how an aware UTC datetime is stored, which JSON type is used, and which `INSERT … ON CONFLICT`
construct builds an upsert, and how many values one `IN (…)` list may carry.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import JSON, CursorResult, DateTime, Dialect, TypeDecorator
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

__all__ = [
    "IN_CHUNK",
    "JsonDocument",
    "UtcDateTime",
    "dialect_insert",
    "in_chunks",
    "rowcount",
    "utc",
]

IN_CHUNK = 500
"""Values per `IN (…)` list: well under SQLite's bound-parameter limit."""


def utc(value: datetime) -> datetime:
    """Return `value` as aware UTC; a naive datetime is refused rather than guessed."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()} has no timezone; the store needs UTC")
    return value.astimezone(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime, exact to the microsecond on both databases.

    PostgreSQL stores it as `timestamptz`. SQLite has no time type: SQLAlchemy stores a fixed
    width text `YYYY-MM-DD HH:MM:SS.ffffff`, which sorts and compares correctly as long as every
    value is in the same zone — so values are converted to UTC and stored naive, and UTC is
    re-attached when read back.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        aware = utc(value)
        if dialect.name == "sqlite":
            return aware.replace(tzinfo=None)
        return aware

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


JsonDocument = JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)
"""A JSON document column: JSONB on PostgreSQL, JSON text on SQLite; Python None is SQL NULL."""


def dialect_insert(session: Session, table: Any) -> Any:
    """An `INSERT` that supports `on_conflict_do_nothing/do_update` on the session's database.

    Both dialects accept the same `index_elements`, `index_where`, `set_` and `where`
    arguments, so callers write one upsert for both.
    """
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"the OrderHub store supports SQLite and PostgreSQL, not {name}")


def rowcount(result: Any) -> int:
    """Rows matched by an UPDATE or DELETE run through `Session.execute`."""
    return int(cast(CursorResult[Any], result).rowcount)


def in_chunks(values: Iterable[str]) -> Iterator[list[str]]:
    """`values` without repeats, in first-seen order, in lists of at most `IN_CHUNK`."""
    wanted = list(dict.fromkeys(values))
    for start in range(0, len(wanted), IN_CHUNK):
        yield wanted[start : start + IN_CHUNK]
