"""Walk a Cart.com list by `updated_at` keyset, never by page numbers over a moving set.

Page numbers skip records on a list that changes while it is read: a record updated mid-walk
jumps to the end and everything behind it shifts up one slot. A keyset walk asks each time for
"records at or after the last key seen", sorted by `(updated_at, id)`, so an update can only
push a record further ahead, where the walk will still meet it.

Requests, in order:

1. `updated_at=gte:<start - overlap>&sort=updated_at,id&count=N`; then
   `updated_at=gte:<last updated_at>` for each following page. Records at or before the last key
   seen are dropped (the first page keeps everything: its overlap re-reads writes that became
   visible late, and the hub dedupes by content).
2. When a full page cannot move the walk on (more than a page of records share one timestamp
   `T`), tie mode: `updated_at=eq:<T>&id=gt:<last id>&sort=id` until a short page, then
   `updated_at=gt:<T>` and back to 1.
3. An empty or short page ends the walk, as does passing `until` (the sync's start time). A
   request that was already made on this walk raises `PaginationLoopError`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

from orderhub.clock import ensure_utc
from orderhub.connectors.cartcom.errors import PaginationLoopError
from orderhub.connectors.cartcom.timestamps import format_filter_time, parse_cartcom_time
from orderhub.engine.cursors import UpdatedCursor

__all__ = ["KeysetPaginator", "PaginationLoopError", "UpdatedCursor", "record_key"]

_Mode = Literal["range", "tie", "after_tie"]


def record_key(record: object) -> UpdatedCursor | None:
    """The `(updated_at, id)` key of a raw record, or `None` if either part is missing/invalid."""
    if not isinstance(record, Mapping):
        return None
    record_id = record.get("id")
    if isinstance(record_id, bool) or not isinstance(record_id, int):
        return None
    try:
        when = parse_cartcom_time(record.get("updated_at"))
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return UpdatedCursor(when, record_id)


class KeysetPaginator:
    """Walk a Cart.com list by updated_at keyset: never page numbers over a moving set."""

    def __init__(
        self,
        start: UpdatedCursor,
        *,
        page_size: int = 100,
        overlap: timedelta = timedelta(seconds=0),
        until: datetime | None = None,
        exclusive: bool = False,
    ) -> None:
        """`exclusive`: begin strictly after `start` (its time with a higher id, then later
        times), with no overlap — to step past a record the store fails to give."""
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        if overlap < timedelta(0):
            raise ValueError("overlap cannot be negative")
        self._start = start
        self._page_size = page_size
        self._until = ensure_utc(until) if until is not None else None
        # The walk's own frontier: every record at or before it has been returned.
        self._scan = UpdatedCursor(start.updated_at - overlap, -1)
        self._position = start  # what a flow saves: never behind start, never beyond until
        self._mode: _Mode = "range"
        self._tie_time: datetime | None = None
        if exclusive:
            self._scan = start
            self._mode = "tie"
            self._tie_time = start.updated_at
        self._has_next = True
        self._requested: set[tuple[tuple[str, str], ...]] = set()
        self._pending: dict[str, str] | None = None
        self._seen_untimed: set[int | str] = set()

    @property
    def has_next(self) -> bool:
        """Whether another request is needed."""
        return self._has_next

    @property
    def position(self) -> UpdatedCursor:
        """The last record key seen (or the start), capped at `until`: the cursor to save."""
        return self._position

    @property
    def frontier(self) -> UpdatedCursor:
        """Where the walk's next request starts: every record up to it has been returned."""
        return self._scan

    @property
    def page_size(self) -> int:
        return self._page_size

    def next_params(self) -> dict[str, str]:
        """The filter/sort/count params for the next request (the same until `update`)."""
        if not self._has_next:
            raise RuntimeError("the walk has ended; check has_next first")
        if self._pending is not None:
            return dict(self._pending)
        params = self._build_params()
        token = tuple(sorted(params.items()))
        if token in self._requested:
            raise PaginationLoopError(detail=f"the walk would request {_describe(params)} again")
        self._requested.add(token)
        self._pending = params
        return dict(params)

    def update(
        self, records: Sequence[dict[str, Any]], *, total_count: int | None = None
    ) -> list[dict[str, Any]]:
        """Feed one page's raw records; return those not yet seen on this walk; move on.

        `total_count` (the envelope's count of all matching records) lets a server that
        returns fewer records than asked for still be walked to the end.
        """
        if not self._has_next:
            raise RuntimeError("the walk has ended")
        self._pending = None
        previous = self._scan
        fresh: list[dict[str, Any]] = []
        times: set[datetime] = set()
        for record in records:
            key = record_key(record)
            if key is None:
                if self._first_sighting(record):
                    fresh.append(record)
                continue
            times.add(key.updated_at)
            if key > previous:
                fresh.append(record)
            if key > self._scan:
                self._scan = key
            if key > self._position and (self._until is None or key.updated_at <= self._until):
                self._position = key
        self._choose_next(len(records), total_count, previous, times)
        return fresh

    # --- internals ------------------------------------------------------------------------

    def _build_params(self) -> dict[str, str]:
        count = str(self._page_size)
        if self._mode == "tie":
            assert self._tie_time is not None
            return {
                "updated_at": f"eq:{format_filter_time(self._tie_time)}",
                "id": f"gt:{self._scan.id}",
                "sort": "id",
                "count": count,
            }
        if self._mode == "after_tie":
            assert self._tie_time is not None
            since = f"gt:{format_filter_time(self._tie_time)}"
        else:
            since = f"gte:{format_filter_time(self._scan.updated_at)}"
        return {"updated_at": since, "sort": "updated_at,id", "count": count}

    def _first_sighting(self, record: object) -> bool:
        """Records without a usable key are kept once per walk, by id when they have one."""
        record_id = record.get("id") if isinstance(record, Mapping) else None
        if isinstance(record_id, bool) or not isinstance(record_id, int | str):
            return True
        if record_id in self._seen_untimed:
            return False
        self._seen_untimed.add(record_id)
        return True

    def _choose_next(
        self, received: int, total_count: int | None, previous: UpdatedCursor, times: set[datetime]
    ) -> None:
        more_matching = total_count is not None and total_count > received
        full = received > 0 and (received >= self._page_size or more_matching)
        if self._until is not None and self._scan.updated_at > self._until:
            self._has_next = False  # the rest changed after this sync began: next run's share
        elif not full:
            if self._mode == "tie":
                self._mode = "after_tie"  # this timestamp is exhausted; continue after it
            else:
                self._has_next = False
        elif self._mode == "tie":
            pass  # keep paging through the tie by id
        elif self._scan == previous or times == {self._scan.updated_at}:
            # The next `gte` page would begin with this page again: walk the tie by id.
            self._mode = "tie"
            self._tie_time = self._scan.updated_at
        else:
            self._mode = "range"


def _describe(params: Mapping[str, str]) -> str:
    return "&".join(f"{k}={v}" for k, v in params.items())
