"""Reading Cart.com lists: one page, a keyset walk, `select_many` batches, small lists whole.

Cart.com answers a list in an envelope (`{"orders": [...], "total_count": n, "next_page": …}`).
Changing lists are walked by `updated_at` keyset (`iter_updated` with a `KeysetPaginator`,
pagination.py); small, slow-changing ones by page number (`list_all`); known ids in batches
(`select_many`). A page-number walk stops on an empty or short page, `total_count`, or a 404
past the end, and raises `PaginationLoopError` rather than read the same records again.
`ListReads` is the part of `CartcomClient` that does this, on top of its `get`.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from orderhub.connectors.cartcom.errors import NotCartcom, NotFound, PaginationLoopError
from orderhub.connectors.cartcom.pagination import KeysetPaginator
from orderhub.connectors.cartcom.store_url import path_template

__all__ = ["ListPage", "ListReads"]

# Params the keyset walk sets itself; a caller passing them would silently break the walk.
_WALK_PARAMS = frozenset({"updated_at", "id", "sort", "count", "page"})
_MAX_PAGES = 10_000


@dataclass(frozen=True)
class ListPage:
    """One page of a list envelope."""

    records: list[dict[str, Any]]
    total_count: int | None
    has_next_page: bool


class ListReads(ABC):
    """The list reads of a client that can `get` one JSON object under the API root."""

    @abstractmethod
    def get(
        self, path: str, params: Mapping[str, str] | None = None, *, fresh: bool = True
    ) -> dict[str, Any]: ...

    @abstractmethod
    def _url(self, path: str) -> str: ...

    def list_page(self, resource: str, params: Mapping[str, str]) -> ListPage:
        """One page of a list envelope; records come from the key named after the resource."""
        payload = self.get(resource, params, fresh=True)
        records = _records_of(payload, resource, self._url(resource))
        total = payload.get("total_count")
        total_count = total if isinstance(total, int) and not isinstance(total, bool) else None
        return ListPage(records, total_count, bool(payload.get("next_page")))

    def iter_updated(
        self,
        resource: str,
        paginator: KeysetPaginator,
        *,
        params: Mapping[str, str] | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield each page's new records of a keyset walk (one yield per request).

        `params` (expand, fields, extra filters) ride along on every request; `fields` gets
        `id` and `updated_at` added, as the walk cannot move without them.
        """
        extra = _walk_extras(params)
        while paginator.has_next:
            query = {**extra, **paginator.next_params()}
            page = self.list_page(resource, query)
            yield paginator.update(page.records, total_count=page.total_count)

    def select_many(
        self,
        resource: str,
        ids: Iterable[int],
        *,
        params: Mapping[str, str] | None = None,
        chunk_size: int = 100,
    ) -> list[dict[str, Any]]:
        """Records by id, `chunk_size` ids per call: distinct, non-zero; none → no call."""
        if chunk_size < 1:
            raise ValueError("chunk_size must be at least 1")
        wanted = list(dict.fromkeys(i for i in (_as_id(raw) for raw in ids) if i is not None))
        records: list[dict[str, Any]] = []
        for start in range(0, len(wanted), chunk_size):
            chunk = wanted[start : start + chunk_size]
            query = {
                **(params or {}),
                "ids": ",".join(str(i) for i in chunk),
                "count": str(len(chunk)),
            }
            records.extend(self._all_pages(f"{resource}/select_many", query, len(chunk)))
        return records

    def list_all(
        self,
        resource: str,
        *,
        params: Mapping[str, str] | None = None,
        page_size: int = 100,
    ) -> list[dict[str, Any]]:
        """Every record of a small, slow-changing resource (order_statuses, warehouses…).

        Page numbers are fine here; the walk is sorted by id, and ends on a short page, a
        missing next page, `total_count`, or a 404 past the end.
        """
        query = {"count": str(page_size), "sort": "id", **(params or {})}
        return self._all_pages(resource, query, page_size)

    def _all_pages(
        self, resource: str, query: dict[str, str], page_size: int
    ) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        seen: set[object] = set()
        for number in range(1, _MAX_PAGES + 1):
            if number > 1:
                query = {**query, "page": str(number)}
            try:
                page = self.list_page(resource, query)
            except NotFound:
                if number == 1:
                    raise
                break
            fresh = [r for r in page.records if _identity(r) not in seen]
            if page.records and not fresh:
                raise PaginationLoopError(
                    detail=f"page {number} of {resource} held only records already read"
                )
            for record in fresh:
                seen.add(_identity(record))
            records.extend(fresh)
            if not page.records:
                break
            if page.total_count is not None:
                if len(records) >= page.total_count:
                    break
                continue  # more records match than were served: the server pages its answer
            if not page.has_next_page and len(page.records) < page_size:
                break
        return records


def _walk_extras(params: Mapping[str, str] | None) -> dict[str, str]:
    extra = dict(params or {})
    clash = sorted(set(extra) & _WALK_PARAMS)
    if clash:
        raise ValueError(f"params {clash} are set by the keyset walk itself")
    if "fields" in extra:
        fields = [f.strip() for f in extra["fields"].split(",") if f.strip()]
        for needed in ("id", "updated_at"):
            if needed not in fields:
                fields.append(needed)
        extra["fields"] = ",".join(fields)
    return extra


def _records_of(payload: dict[str, Any], resource: str, url: str) -> list[dict[str, Any]]:
    key = _record_key_name(resource)
    value = payload.get(key)
    if not isinstance(value, list):
        lists = [v for v in payload.values() if isinstance(v, list)]
        if len(lists) == 1:
            value = lists[0]
        elif not lists and payload.get("total_count") == 0:
            return []
        else:
            raise NotCartcom(detail=f"the list answer has no '{key}' array", method="GET", url=url)
    if not all(isinstance(item, dict) for item in value):
        raise NotCartcom(detail=f"'{key}' holds non-object items", method="GET", url=url)
    return value


def _record_key_name(resource: str) -> str:
    parts = path_template(resource).split("/")
    names = [p for p in parts if p and p not in ("{id}", "select_many")]
    return names[-1] if names else resource


def _as_id(raw: object) -> int | None:
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if raw > 0 else None
    if isinstance(raw, str) and raw.strip().isdigit():
        value = int(raw.strip())
        return value if value > 0 else None
    raise TypeError(f"not a record id: {raw!r}")


def _identity(record: dict[str, Any]) -> object:
    record_id = record.get("id")
    if isinstance(record_id, int | str):
        return record_id
    return json.dumps(record, sort_keys=True, default=str)
