"""What a pull flow declares and what its connector gives: streams, pulled records, a source.

Its own module because these are the pull kit's contract, not its loop: a connector implements
`PullSource` and a flow declares its `Stream`s and maps to `PulledRecord`s without needing the
kit's machinery (`engine/pull.py`), which walks them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from orderhub.engine.cursors import UpdatedCursor

__all__ = ["PullSource", "PulledRecord", "Raw", "Stream"]

Raw = Mapping[str, Any]


@dataclass(frozen=True)
class Stream:
    """One list a pull walks by `updated_at`.

    `resource` and `params` are the source's words for it (a path, `expand`/`fields`).
    `leads_to` is None for the flow's own records; for rows that point at them, it gives the
    ids of the records to read again.
    """

    name: str
    resource: str
    page_size: int = 100
    params: Mapping[str, str] = field(default_factory=dict)
    leads_to: Callable[[Sequence[Raw]], list[str]] | None = None


@dataclass(frozen=True)
class PulledRecord:
    """One hub record made from a source record: its external id, data and source document."""

    ext_id: str
    data: Mapping[str, Any]
    source_doc: Mapping[str, Any] | None


class PullSource(Protocol):
    """What the kit needs from a connector to walk its lists."""

    def walk(
        self,
        stream: Stream,
        start: UpdatedCursor,
        *,
        until: datetime,
        overlap: timedelta,
        exclusive: bool,
    ) -> Iterator[tuple[Sequence[Raw], UpdatedCursor]]:
        """Pages of rows updated after `start` (all of `start`'s time again minus `overlap`,
        or strictly after `start` when `exclusive`), each with the position after it."""
        ...

    def keys_after(self, stream: Stream, count: int) -> tuple[Sequence[Raw], UpdatedCursor]:
        """The page the stream's walk failed to get, listed by id and pointers alone (the next
        `count` rows from where its failed request began), and the position after them."""
        ...

    def fetch(self, ext_ids: Sequence[str]) -> Sequence[Raw]:
        """The flow's own records by external id (those that exist)."""
        ...
