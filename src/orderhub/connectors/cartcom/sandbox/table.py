"""A column-stored table of one resource, with an (updated_at, id) index and an undo journal.

Rows are numbered in insertion order. Ids are usually `id_base + row` (no id map needed); a
table seeded with arbitrary ids (order statuses) keeps a dict instead. Changes to seeded rows
are journaled so `reset()` restores the seeded state without keeping a second copy.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from .codegen import compile_renderer
from .columns import Column, PostalForm, Storage, make_storage, postal_json, to_json
from .store_time import StoreTime

if TYPE_CHECKING:
    from .resource_spec import ResourceSpec

__all__ = ["ROW_BITS", "ROW_MASK", "ChildIndex", "Table", "TimeIndex"]

ROW_BITS = 21
ROW_MASK = (1 << ROW_BITS) - 1
_ALIVE = "__alive__"


class TimeIndex:
    """Sorted int64 keys `ms * 2**21 + row`: range scans on a time column in (time, id) order."""

    __slots__ = ("keys",)

    def __init__(self) -> None:
        self.keys = array("q")

    @staticmethod
    def key(ms: int, row: int) -> int:
        return ms * (1 << ROW_BITS) + row

    def add(self, ms: int, row: int) -> None:
        insort(self.keys, self.key(ms, row))

    def remove(self, ms: int, row: int) -> None:
        k = self.key(ms, row)
        i = bisect_left(self.keys, k)
        if i < len(self.keys) and self.keys[i] == k:
            del self.keys[i]

    def rebuild(self, pairs: Iterator[tuple[int, int]]) -> None:
        self.keys = array("q", sorted(self.key(ms, row) for ms, row in pairs))

    def span(self, lo_ms: int | None, hi_ms: int | None) -> tuple[int, int]:
        """Positions [i, j) of keys with lo_ms <= ms <= hi_ms (None: open)."""
        i = 0 if lo_ms is None else bisect_left(self.keys, lo_ms * (1 << ROW_BITS))
        j = len(self.keys) if hi_ms is None else bisect_right(self.keys, self.key(hi_ms, ROW_MASK))
        return i, max(i, j)

    def row_at(self, pos: int) -> int:
        return self.keys[pos] & ROW_MASK


class Table:
    """Records of one resource, column by column."""

    def __init__(self, spec: ResourceSpec, seed: int) -> None:
        self.spec = spec
        self.name = spec.name
        self.seed = seed
        self.ids = array("q")
        self.alive = bytearray()
        self.deleted = 0
        self.row_by_id: dict[int, int] | None = None
        self.next_id = spec.id_base
        self.columns: dict[str, Column] = {c.name: c for c in spec.columns}
        self.storage: dict[str, Storage] = {
            c.name: make_storage(c, seed, self.ids) for c in spec.columns
        }
        self.time_index: TimeIndex | None = TimeIndex() if "updated_at" in self.columns else None
        self.null_updated = 0
        self._seeded_rows: int | None = None
        self._seeded_next_id = 0
        self._undo: list[tuple[str, int, Any]] = []
        self.hold_index: set[int] = set()  # rows whose index entry waits for visibility lag
        self._renderers: dict[tuple[str, ...], Callable[[int], dict[str, Any]]] = {}
        self.postal_form: PostalForm = "integer"  # a realism switch, set by the DataStore
        self.face = StoreTime()  # the store's clock face, shared by its tables (DataStore)

    # -- size and ids -------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.ids)

    def live_count(self) -> int:
        return len(self.ids) - self.deleted

    def row_of(self, record_id: int) -> int | None:
        if self.row_by_id is not None:
            row = self.row_by_id.get(record_id)
        else:
            row = record_id - self.spec.id_base
            if row < 0 or row >= len(self.ids):
                return None
        if row is None or not self.alive[row]:
            return None
        return row

    def iter_rows(self) -> Iterator[int]:
        alive = self.alive
        if not self.deleted:
            yield from range(len(alive))
        else:
            for row in range(len(alive)):
                if alive[row]:
                    yield row

    # -- reads --------------------------------------------------------------------------
    def get(self, row: int, name: str) -> Any:
        if name == "id":
            return self.ids[row]
        return self.storage[name].get(row)

    def render(self, row: int, names: list[str] | tuple[str, ...]) -> dict[str, Any]:
        """The row's JSON object with these fields (a compiled renderer per field list)."""
        key = names if isinstance(names, tuple) else tuple(names)
        fn = self._renderers.get(key)
        if fn is None:
            if len(self._renderers) > 256:
                self._renderers.clear()
            fn = self._renderers[key] = compile_renderer(self, key)
        return fn(row)

    def render_slow(self, row: int, names: list[str] | tuple[str, ...]) -> dict[str, Any]:
        """Reference implementation of `render` (tests compare the two)."""
        return {
            n: self.ids[row]
            if n == "id"
            else to_json(self.columns[n].kind, self.get(row, n), self.postal_form, self.face)
            for n in names
        }

    def postal_json(self, raw: Any) -> Any:
        """A stored postal code as this table's switch sends it (compiled renderers call it)."""
        return postal_json(raw, self.postal_form)

    def snapshot(self, row: int) -> dict[str, Any]:
        """Every stored value of a row (for visibility lag)."""
        return {name: self.get(row, name) for name in self.columns}

    # -- writes -------------------------------------------------------------------------
    def insert(self, values: dict[str, Any], record_id: int | None = None) -> int:
        """Append a row (values are stored values; missing ones take defaults); returns its row."""
        row = len(self.ids)
        if row > (1 << ROW_BITS) - 1:
            raise OverflowError(f"table {self.name} is full")
        if record_id is None:
            record_id = self.next_id
        elif self.row_by_id is None and record_id != self.spec.id_base + row:
            self.row_by_id = {int(i): r for r, i in enumerate(self.ids)}
        self.next_id = max(self.next_id, record_id + 1)
        self.ids.append(record_id)
        self.alive.append(1)
        if self.row_by_id is not None:
            self.row_by_id[record_id] = row
        for name, column in self.columns.items():
            if name == "id":
                continue
            store = self.storage[name]
            if name in values:
                store.append(row, values[name])
            elif column.dense:
                store.append(row, column.default)
        if self.time_index is not None:
            ms = self.storage["updated_at"].get(row)
            if ms is None:
                self.null_updated += 1
            elif row not in self.hold_index:
                self.time_index.add(ms, row)
        return row

    def set(self, row: int, name: str, value: Any) -> None:
        store = self.storage[name]
        old = store.get(row)
        if old == value and type(old) is type(value):
            return
        if self._seeded_rows is not None and row < self._seeded_rows:
            self._undo.append((name, row, old))
        if name == "updated_at" and self.time_index is not None and row not in self.hold_index:
            if old is None:
                self.null_updated -= 1
            else:
                self.time_index.remove(old, row)
            if value is None:
                self.null_updated += 1
            else:
                self.time_index.add(value, row)
        store.set(row, value)

    def delete(self, row: int) -> None:
        if not self.alive[row]:
            return
        if self._seeded_rows is not None and row < self._seeded_rows:
            self._undo.append((_ALIVE, row, 1))
        self.alive[row] = 0
        self.deleted += 1
        if self.time_index is not None:
            ms = self.storage["updated_at"].get(row)
            if ms is None:
                self.null_updated -= 1
            elif row not in self.hold_index:
                self.time_index.remove(ms, row)

    # -- visibility lag -----------------------------------------------------------------
    def hold(self, row: int) -> None:
        """Keep the row's index entry as it is now until `release(row)` (visibility lag)."""
        self.hold_index.add(row)

    def release(self, row: int, held_ms: int | None) -> None:
        """Move the index entry from `held_ms` (None: not indexed yet) to the current value."""
        self.hold_index.discard(row)
        if self.time_index is None:
            return
        if held_ms is not None:
            self.time_index.remove(held_ms, row)
        current = self.storage["updated_at"].get(row)
        if current is not None and self.alive[row]:
            self.time_index.add(current, row)

    # -- seeding and reset --------------------------------------------------------------
    def mark_seeded(self) -> None:
        self._seeded_rows = len(self.ids)
        self._seeded_next_id = self.next_id
        self._undo.clear()
        self.rebuild_index()

    def reset(self) -> None:
        """Drop rows added since seeding and undo changes to seeded rows."""
        n = self._seeded_rows or 0
        for name, row, old in reversed(self._undo):
            if name == _ALIVE:
                self.alive[row] = 1
                self.deleted -= 1
            else:
                self.storage[name].set(row, old)
        self._undo.clear()
        for row in range(n, len(self.ids)):
            if not self.alive[row]:
                self.deleted -= 1
        del self.ids[n:]
        del self.alive[n:]
        for store in self.storage.values():
            store.truncate(n)
        if self.row_by_id is not None:
            self.row_by_id = {int(i): r for r, i in enumerate(self.ids)}
        self.next_id = self._seeded_next_id
        self.hold_index.clear()
        self.rebuild_index()

    def rebuild_index(self) -> None:
        if self.time_index is None:
            return
        store = self.storage["updated_at"]
        pairs = []
        nulls = 0
        for row in self.iter_rows():
            ms = store.get(row)
            if ms is None:
                nulls += 1
            else:
                pairs.append((ms, row))
        self.null_updated = nulls
        self.time_index.rebuild(iter(pairs))


class ChildIndex:
    """Parent id -> child rows, for nested collections (order -> items, shipment -> items).

    Children are mostly inserted grouped by parent, so a (start, count) range per parent row
    costs 12 bytes; children that arrive out of order go to a small overflow dict. Every hit
    is re-checked against the child's foreign-key column, so a re-parented child needs no
    bookkeeping beyond an overflow entry for its new parent.
    """

    def __init__(self, parent: Table, child: Table, fk: str) -> None:
        self.parent = parent
        self.child = child
        self.fk = fk
        self.start = array("q")
        self.count = array("i")
        self.extra: dict[int, list[int]] = {}
        self.rebuild()

    def _ensure(self, prow: int) -> None:
        missing = prow + 1 - len(self.start)
        if missing > 0:
            self.start.extend([0] * missing)
            self.count.extend([0] * missing)

    def _prow(self, parent_id: int) -> int | None:
        if self.parent.row_by_id is not None:
            return self.parent.row_by_id.get(parent_id)
        row = parent_id - self.parent.spec.id_base
        return row if 0 <= row < len(self.parent.ids) else None

    def add(self, parent_id: int, row: int) -> None:
        prow = self._prow(parent_id)
        if prow is None:
            self.extra.setdefault(-parent_id - 1, []).append(row)
            return
        self._ensure(prow)
        if self.count[prow] == 0:
            self.start[prow] = row
            self.count[prow] = 1
        elif self.start[prow] + self.count[prow] == row:
            self.count[prow] += 1
        else:
            self.extra.setdefault(prow, []).append(row)

    def rows(self, parent_id: int) -> list[int]:
        prow = self._prow(parent_id)
        fk = self.child.storage[self.fk]
        alive = self.child.alive
        found: list[int] = []
        if prow is not None and prow < len(self.start):
            s = self.start[prow]
            for row in range(s, s + self.count[prow]):
                if alive[row] and fk.get(row) == parent_id:
                    found.append(row)
            extra = self.extra.get(prow, []) + self.extra.get(-parent_id - 1, [])
        else:
            extra = self.extra.get(-parent_id - 1, [])
        if extra:
            seen = set(found)
            for row in extra:
                if row not in seen and alive[row] and fk.get(row) == parent_id:
                    seen.add(row)
                    found.append(row)
            found.sort()
        return found

    def rebuild(self) -> None:
        self.start = array("q")
        self.count = array("i")
        self.extra = {}
        fk = self.child.storage[self.fk]
        for row in self.child.iter_rows():
            pid = fk.get(row)
            if pid is not None:
                self.add(pid, row)
