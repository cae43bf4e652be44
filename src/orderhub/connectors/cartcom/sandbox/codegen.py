"""Compiled row renderers: one generated function per (table, field list).

Rendering is the hot path of every list call (a page of 100 expanded orders is ~550 records
and ~23,000 values), so instead of a loop of per-field calls each table compiles, once per
field list, a function whose body is a single dict display reading the column arrays directly.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from typing import Any, Protocol

from .columns import NULL_INT, Column, DenseFloat, DenseInt, DenseObj, Sparse, Storage
from .store_time import StoreTime

__all__ = ["Compilable", "compile_renderer"]

Renderer = Callable[[int], dict[str, Any]]


class Compilable(Protocol):
    """What a renderer is compiled from: a `table.Table` (which imports this module, so this
    one names only what it reads)."""

    @property
    def name(self) -> str: ...
    @property
    def ids(self) -> array[int]: ...
    @property
    def columns(self) -> dict[str, Column]: ...
    @property
    def storage(self) -> dict[str, Storage]: ...
    @property
    def face(self) -> StoreTime: ...
    def postal_json(self, raw: Any) -> Any: ...


def compile_renderer(table: Compilable, names: tuple[str, ...]) -> Renderer:
    env: dict[str, Any] = {
        "ids": table.ids,
        "NULL": NULL_INT,
        # The store's clock face (zone, UTC form) is changed in place, and its cache cleared,
        # never replaced, so renderers compiled before a change follow it.
        "fmt": table.face.format,
        "FC": table.face.cache,
        # Bound to the table, so a change of its `postal_form` switch applies to renderers
        # already compiled.
        "postal": table.postal_json,
    }
    items: list[str] = []
    for i, name in enumerate(names):
        if name == "id":
            items.append(f"{name!r}: ids[row]")
            continue
        kind = table.columns[name].kind
        store = table.storage[name]
        var = f"c{i}"
        if isinstance(store, DenseInt):
            env[var] = store.data
            raw = f"(None if (v := {var}[row]) == NULL else v)"
        elif isinstance(store, DenseFloat):
            env[var] = store.data
            raw = f"(None if (v := {var}[row]) != v else v)"
        elif isinstance(store, DenseObj):
            env[var] = store.data
            raw = f"(v := {var}[row])"
        elif isinstance(store, Sparse):
            env[var] = store.overrides
            if store.derive is not None:
                env[var + "d"] = store.derive
                env["seed"] = store.seed
                raw = f"(v := ({var}[row] if row in {var} else {var}d(seed, ids[row])))"
            else:
                env[var + "d"] = store.default
                raw = f"(v := {var}.get(row, {var}d))"
        else:  # pragma: no cover - every storage type is handled above
            raise TypeError(type(store))
        if kind == "time":
            expr = f"(None if {raw} is None else (FC.get(v) or fmt(v)))"
        elif kind == "time_empty":
            expr = f"('' if {raw} is None else (FC.get(v) or fmt(v)))"
        elif kind == "postal":
            expr = f"postal({raw})"
        else:
            expr = raw
        items.append(f"{name!r}: {expr}")
    source = "def render(row):\n    return {" + ", ".join(items) + "}\n"
    exec(compile(source, f"<render {table.name}>", "exec"), env)  # noqa: S102 - own source
    fn: Renderer = env["render"]
    return fn
