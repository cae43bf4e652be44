"""What a resource declaration is made of: columns (`d` dense, `s` sparse, `h` hidden), nested
collections, scopes, and the hash derived fields are made from. The declarations themselves are
`resources.py`, `resources_catalog.py` and `resources_reference.py`."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .columns import Column, Kind

__all__ = [
    "CREATED",
    "ID",
    "UPDATED",
    "Access",
    "Nested",
    "ResourceSpec",
    "d",
    "h",
    "mix",
    "s",
]


def mix(seed: int, value: int, salt: int) -> int:
    """A fast deterministic 64-bit hash (splitmix64) for derived fields."""
    z = (seed * 0x9E3779B97F4A7C15 + value * 0xBF58476D1CE4E5B9 + salt) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return z ^ (z >> 31)


@dataclass(frozen=True)
class Access:
    """Scopes: a read needs any of `read`, a write any of `write`; `all_of` needs every one."""

    read: tuple[str, ...]
    write: tuple[str, ...]
    all_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class Nested:
    """A nested collection: rows of `table` whose `fk` is the parent id, or a custom `kind`."""

    name: str
    table: str | None = None
    fk: str | None = None
    list_key: str = ""
    kind: str = (
        "table"  # "table" | "column" (a json column on the parent) | "empty" | "shipment_items"
    )
    column: str | None = None
    null_times: bool = False  # nested copies show null timestamps (docs' product samples)

    @property
    def key(self) -> str:
        return self.list_key or self.name


@dataclass(frozen=True)
class ResourceSpec:
    name: str
    columns: tuple[Column, ...]
    id_base: int = 1
    nested: tuple[Nested, ...] = ()
    required: tuple[str, ...] = ()
    writable: bool = True
    routed: bool = True
    parent: tuple[str, str] | None = None  # (table, fk): a change bumps the parent's updated_at
    extra: dict[str, Any] = field(default_factory=dict)

    def column_names(self) -> tuple[str, ...]:
        """The wire fields, in order (cached: this is on every record's rendering path)."""
        return self._names

    def nested_by_name(self) -> dict[str, Nested]:
        return self._nested

    @cached_property
    def _names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if not c.hidden)

    @cached_property
    def _nested(self) -> dict[str, Nested]:
        return {n.name: n for n in self.nested}


def d(name: str, kind: Kind, default: Any = None) -> Column:
    """Dense: a value per row."""
    return Column(name, kind, dense=True, default=default)


def s(name: str, kind: Kind, default: Any = None) -> Column:
    """Sparse: mostly `default`."""
    return Column(name, kind, default=default)


def h(name: str, kind: Kind, default: Any = None, dense: bool = False) -> Column:
    """Hidden bookkeeping."""
    return Column(name, kind, dense=dense, default=default, hidden=True)


ID = Column("id", "int", dense=True, readonly=True)
CREATED = Column("created_at", "time", dense=True, readonly=True)
UPDATED = Column("updated_at", "time", dense=True, readonly=True)
