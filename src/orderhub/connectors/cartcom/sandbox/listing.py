"""Reads: list pages, select_many, one record, `/{id}/filled`, `/{id}/{nested}`.

A list request is planned like a database would: an `updated_at` range (the incremental-sync
query) or an id/foreign-key list is answered from an index, and when the sort matches the index
order and nothing else filters, only the requested page is materialized, so a page of 100
expanded orders out of 200,000 costs a few milliseconds. Everything else scans the table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .datastore import DataStore
from .errors import ApiError
from .query import Filter, QueryError, compile_filter, eq_values, parse_filter, time_bounds
from .render import Renderer
from .table import ROW_MASK, Table

__all__ = ["MAX_SELECT_MANY", "ListResult", "Shape", "parse_shape", "run_list", "select_many"]

MAX_SELECT_MANY = 250
RESERVED = ("page", "count", "sort", "fields", "expand")


@dataclass(frozen=True)
class Shape:
    """`fields`, `expand` and `sort` of a request, validated against the resource."""

    fields: list[str] | None
    expand: list[str]
    sort: list[tuple[str, bool]]  # (field, descending)


@dataclass
class ListResult:
    total: int
    records: list[dict[str, Any]]


def _split(value: str | None) -> list[str]:
    return [p.strip() for p in (value or "").split(",") if p.strip()]


def parse_shape(table: Table, params: dict[str, str], *, allow_sort: bool = True) -> Shape:
    spec = table.spec
    nested = spec.nested_by_name()
    visible = set(spec.column_names())
    # A nested collection may be named by its array key too (customer_additional_emails).
    alias = {n.key: n.name for n in spec.nested if n.key != n.name}
    fields = [alias.get(f, f) for f in _split(params.get("fields"))] or None
    if fields is not None:
        for name in fields:
            if name not in visible and name not in nested:
                raise ApiError(400, f"Invalid field '{name}' for resource '{spec.name}'")
    expand = [alias.get(e, e) for e in _split(params.get("expand"))]
    for name in expand:
        if name not in nested:
            raise ApiError(400, f"Invalid nested resource '{name}' for resource '{spec.name}'")
    sort: list[tuple[str, bool]] = []
    for item in _split(params.get("sort")) if allow_sort else []:
        desc = item.startswith("-")
        name = item.lstrip("-+")
        if name not in visible or table.columns[name].kind == "json":
            raise ApiError(400, f"Invalid sort field '{name}' for resource '{spec.name}'")
        sort.append((name, desc))
    return Shape(fields, expand, sort)


def _positive_int(params: dict[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"'{name}' must be a positive integer") from None
    if value < 1:
        raise ApiError(400, f"'{name}' must be a positive integer")
    return value


class _View:
    """Row access as list/filter results see it: previous versions of lagged writes."""

    def __init__(self, store: DataStore, table: Table) -> None:
        self.table = table
        self.pending = store.pending.get(table.name) or {}

    def get(self, row: int, name: str) -> Any:
        pend = self.pending.get(row)
        if pend is not None and pend.snapshot is not None:
            return pend.snapshot[name]
        return self.table.get(row, name)

    def hidden(self, row: int) -> bool:
        pend = self.pending.get(row)
        return pend is not None and pend.snapshot is None


def _sort_rows(table: Table, view: _View, rows: list[int], sort: list[tuple[str, bool]]) -> None:
    """Sort in place: the given keys (nulls first, like SQL Server), then id ascending."""
    ids = table.ids
    rows.sort(key=lambda r: ids[r])
    for name, desc in reversed(sort):
        if name == "id":
            if desc:
                rows.reverse()
            continue
        kind = table.columns[name].kind
        fold = kind in ("str", "postal")

        def key(r: int, name: str = name, fold: bool = fold) -> tuple[int, Any]:
            v = view.get(r, name)
            if v is None:
                return (0, 0)
            return (1, v.casefold() if fold and isinstance(v, str) else v)

        rows.sort(key=key, reverse=desc)


def _candidates(
    store: DataStore, table: Table, flt: Filter, sort: list[tuple[str, bool]]
) -> tuple[Sequence[int] | None, set[str], bool]:
    """(rows or None for all, filters fully answered by the index, rows already sorted)."""
    if flt.join_or:
        return None, set(), False
    sequential = table.row_by_id is None
    for ff in flt.fields:
        if ff.name == "updated_at" and table.time_index is not None:
            bounds = time_bounds(ff)
            if bounds is None:
                continue
            i, j = table.time_index.span(*bounds)
            index = table.time_index
            rows = _IndexSlice(index.keys, i, j)
            in_order = sequential and sort in (
                [("updated_at", False)],
                [("updated_at", False), ("id", False)],
            )
            return rows, {"updated_at"}, in_order
    for ff in flt.fields:
        values = eq_values(ff)
        if values is None:
            continue
        if ff.name == "id":
            found = {r for v in values if isinstance(v, int) and (r := table.row_of(v)) is not None}
            return sorted(found), {"id"}, False
        for (_parent, child), child_index in store.children.items():
            if child == table.name and child_index.fk == ff.name:
                hits: set[int] = set()
                for v in values:
                    if isinstance(v, int):
                        hits.update(child_index.rows(v))
                return sorted(hits), {ff.name}, False
    return None, set(), False


class _IndexSlice(Sequence[int]):
    """Rows at index positions [i, j) without copying the keys."""

    def __init__(self, keys: Any, i: int, j: int) -> None:
        self.keys, self.i, self.j = keys, i, j

    def __len__(self) -> int:
        return self.j - self.i

    def __getitem__(self, pos: Any) -> Any:
        if isinstance(pos, slice):
            start, stop, step = pos.indices(len(self))
            return [self.keys[self.i + p] & ROW_MASK for p in range(start, stop, step)]
        return self.keys[self.i + pos] & ROW_MASK

    def __iter__(self) -> Any:
        keys = self.keys
        for p in range(self.i, self.j):
            yield keys[p] & ROW_MASK


def run_list(
    store: DataStore,
    table: Table,
    params: dict[str, str],
    filter_items: list[tuple[str, str]],
    max_page_size: int,
) -> tuple[ListResult, int, int]:
    """Returns (result, page, count); raises ApiError for 400/404."""
    spec = table.spec
    shape = parse_shape(table, params)
    page = _positive_int(params, "page", 1)
    count = min(_positive_int(params, "count", 100), max_page_size)
    try:
        flt = parse_filter(
            filter_items, table.columns, set(spec.nested_by_name()), spec.name, table.face
        )
    except QueryError as exc:
        raise ApiError(400, str(exc)) from None
    view = _View(store, table)
    sort = shape.sort or [("id", False)]
    candidates, answered, in_order = _candidates(store, table, flt, sort)
    get: Callable[[int, str], Any] = view.get if view.pending else table.get
    predicate = compile_filter(flt, get, answered, table.face)
    lagging = bool(view.pending)
    if candidates is None and not flt and not lagging and not table.deleted:
        sequential = table.row_by_id is None
        index = table.time_index
        if sort == [("id", False)] and sequential:
            candidates, in_order = range(len(table)), True
        elif (
            sort in ([("updated_at", False)], [("updated_at", False), ("id", False)])
            and sequential
            and index is not None
            and table.null_updated == 0
        ):
            candidates, in_order = _IndexSlice(index.keys, 0, len(index.keys)), True
    start = (page - 1) * count
    if in_order and predicate is None and not lagging and candidates is not None:
        total = len(candidates)
        rows = list(candidates[start : start + count])
    else:
        pool = table.iter_rows() if candidates is None else candidates
        alive = table.alive
        rows = [
            r
            for r in pool
            if alive[r] and not (lagging and view.hidden(r)) and (predicate is None or predicate(r))
        ]
        total = len(rows)
        if not in_order:
            _sort_rows(table, view, rows, shape.sort)
        rows = rows[start : start + count]
    if page > 1 and start >= total:
        raise ApiError(404, "Page out of range")
    renderer = Renderer(store)
    records = []
    for r in rows:
        pend = view.pending.get(r)
        snapshot = pend.snapshot if pend is not None else None
        records.append(renderer.record(spec.name, r, shape.fields, shape.expand, snapshot))
    return ListResult(total, records), page, count


def select_many(store: DataStore, table: Table, params: dict[str, str]) -> ListResult:
    raw = params.get("ids", "")
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not parts:
        raise ApiError(400, "This method requires one or more resource IDs to be specified")
    if len(parts) > MAX_SELECT_MANY:
        raise ApiError(400, f"At most {MAX_SELECT_MANY} ids may be requested at once")
    try:
        ids = [int(p) for p in parts]
    except ValueError:
        raise ApiError(400, f"Invalid id list '{raw}'") from None
    shape = parse_shape(table, params)
    rows = sorted({r for i in ids if (r := table.row_of(i)) is not None})
    view = _View(store, table)
    _sort_rows(table, view, rows, shape.sort)
    renderer = Renderer(store)
    return ListResult(
        len(rows), [renderer.record(table.name, r, shape.fields, shape.expand) for r in rows]
    )


def get_one(
    store: DataStore, table: Table, record_id: int, params: dict[str, str], filled: bool = False
) -> dict[str, Any]:
    row = table.row_of(record_id)
    if row is None:
        raise ApiError(404, "No resource found")
    shape = parse_shape(table, params, allow_sort=False)
    expand = shape.expand
    if filled and shape.fields is None:  # with `fields`, only the collections named there
        expand = list(table.spec.nested_by_name())
    return Renderer(store).record(table.name, row, shape.fields, expand)


def _dict_key(name: str) -> Callable[[dict[str, Any]], tuple[bool, Any]]:
    def key(rec: dict[str, Any]) -> tuple[bool, Any]:
        value = rec.get(name)
        return (value is not None, value if value is not None else 0)

    return key


def get_nested(
    store: DataStore, table: Table, record_id: int, nested_name: str, params: dict[str, str]
) -> tuple[str, ListResult]:
    row = table.row_of(record_id)
    nested = table.spec.nested_by_name().get(nested_name) or next(
        (n for n in table.spec.nested if n.key == nested_name), None
    )
    if row is None or nested is None:
        raise ApiError(404, "No resource found")
    renderer = Renderer(store)
    if nested.kind == "table" and nested.table is not None:
        child = store.tables[nested.table]
        shape = parse_shape(child, params)
        rows = store.child_rows(table.name, nested.table, record_id)
        _sort_rows(child, _View(store, child), rows, shape.sort)
        records = [renderer.record(child.name, r, shape.fields, shape.expand) for r in rows]
    else:
        records = renderer.nested(table.name, record_id, row, nested)
        fields = _split(params.get("fields"))
        if fields:
            records = [{k: v for k, v in rec.items() if k in fields} for rec in records]
        for item in reversed(_split(params.get("sort"))):
            records.sort(key=_dict_key(item.lstrip("-")), reverse=item.startswith("-"))
    return nested.key, ListResult(len(records), records)
