"""The two cursor types a flow keeps: where a pull stands in its source, where a push stands in
the hub's change feed. One type per kind of flow, saved as JSON with the records it covers.

- `UpdatedCursor`: a position in a list sorted by `(updated_at, id)` — an aware UTC time and
  a tie-break id, compared as such, never as strings.
- `PullCursor`: a pull flow's positions, one `UpdatedCursor` per stream it walks (orders;
  products and their variant rows; …), plus named moments (`marks`: when a sweep last ran)
  and small flow-owned facts (`extra`: the store's order statuses orders.pull last read).
- `FeedCursor`: a push flow's position in the change feed (`seq`: every change at or before it
  is done), plus small flow-owned facts kept with it (`extra`: a rules fingerprint, SKUs whose
  creation was sent and not yet seen). Saved flat, `{"seq": 12, ...extra}`, as push cursors
  always were.

`PullCursor.from_json` also reads the shapes saved before these types existed (a bare
`UpdatedCursor`; products.pull's `products` / `variantInventory` / `sweptAt`), so an upgrade
resumes where the last run stopped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from orderhub.clock import ensure_utc

__all__ = ["FeedCursor", "PullCursor", "UpdatedCursor", "parse_cursor_time"]


def parse_cursor_time(value: object) -> datetime | None:
    """An aware UTC datetime from a cursor's ISO 8601 text (`None` stays `None`)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"a cursor time must be ISO 8601 text, got {value!r}")
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"a cursor time must carry a timezone, got {value!r}")
    return ensure_utc(parsed)


@dataclass(frozen=True, order=True)
class UpdatedCursor:
    """A position in an `updated_at`-sorted list: an aware UTC time plus a tie-break id."""

    updated_at: datetime
    id: int

    def __post_init__(self) -> None:
        if not isinstance(self.updated_at, datetime):
            raise TypeError("updated_at must be a datetime")
        if isinstance(self.id, bool) or not isinstance(self.id, int):
            raise TypeError("id must be an int")
        object.__setattr__(self, "updated_at", ensure_utc(self.updated_at))

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict (`updated_at` as ISO 8601 with `+00:00`) for the cursor table."""
        return {"updated_at": self.updated_at.isoformat(), "id": self.id}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> UpdatedCursor:
        """Inverse of `to_json`; rejects naive times and non-integer ids."""
        when = parse_cursor_time(data.get("updated_at"))
        if when is None:
            raise ValueError("cursor has no updated_at")
        raw_id = data.get("id", 0)
        if isinstance(raw_id, bool) or not isinstance(raw_id, int | str):
            raise ValueError(f"cursor id must be an integer, got {raw_id!r}")
        return cls(when, int(raw_id))


# Shapes saved before PullCursor: products.pull's stream names, in their JSON spelling.
_LEGACY_STREAMS = {"products": "products", "variantInventory": "variant_inventory"}
_LEGACY_MARKS = {"sweptAt": "swept"}


@dataclass(frozen=True)
class PullCursor:
    """A pull flow's place in each stream it walks, and when it last did its periodic chores."""

    positions: Mapping[str, UpdatedCursor] = field(default_factory=dict)
    marks: Mapping[str, datetime] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Small JSON facts the flow keeps with its place (saved only when present)."""

    def position(self, stream: str, default: UpdatedCursor) -> UpdatedCursor:
        return self.positions.get(stream, default)

    def moved(self, stream: str, position: UpdatedCursor) -> PullCursor:
        return replace(self, positions={**self.positions, stream: position})

    def marked(self, name: str, at: datetime) -> PullCursor:
        return replace(self, marks={**self.marks, name: ensure_utc(at)})

    def with_extra(self, **values: Any) -> PullCursor:
        merged = {**self.extra, **values}
        return replace(self, extra={k: v for k, v in merged.items() if v is not None})

    def to_json(self) -> dict[str, Any]:
        saved: dict[str, Any] = {
            "positions": {name: c.to_json() for name, c in self.positions.items()},
            "marks": {name: at.isoformat() for name, at in self.marks.items()},
        }
        if self.extra:
            saved["extra"] = dict(self.extra)
        return saved

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, primary: str) -> PullCursor:
        """Read a saved cursor; `primary` names the stream a bare `UpdatedCursor` belonged to."""
        if "positions" in data:
            positions = {
                str(name): UpdatedCursor.from_json(raw)
                for name, raw in (data.get("positions") or {}).items()
            }
            marks = {
                str(name): at
                for name, raw in (data.get("marks") or {}).items()
                if (at := parse_cursor_time(raw)) is not None
            }
            extra = data.get("extra")
            return cls(positions, marks, dict(extra) if isinstance(extra, Mapping) else {})
        if "updated_at" in data:
            return cls({primary: UpdatedCursor.from_json(data)})
        legacy_positions = {
            stream: UpdatedCursor.from_json(data[key])
            for key, stream in _LEGACY_STREAMS.items()
            if isinstance(data.get(key), Mapping)
        }
        legacy_marks = {
            mark: at
            for key, mark in _LEGACY_MARKS.items()
            if (at := parse_cursor_time(data.get(key))) is not None
        }
        if not legacy_positions:
            raise ValueError(f"not a pull cursor: {sorted(data)}")
        return cls(legacy_positions, legacy_marks)


@dataclass(frozen=True)
class FeedCursor:
    """A push flow's position in the change feed, and the small facts it keeps beside it."""

    seq: int
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.seq, bool) or not isinstance(self.seq, int) or self.seq < 0:
            raise ValueError(f"a feed position is a whole number >= 0, not {self.seq!r}")
        if "seq" in self.extra:
            raise ValueError("extra cannot hold `seq`")

    def at(self, seq: int) -> FeedCursor:
        return replace(self, seq=seq)

    def with_extra(self, **values: Any) -> FeedCursor:
        merged = {**self.extra, **values}
        return replace(self, extra={k: v for k, v in merged.items() if v is not None})

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, **self.extra}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FeedCursor:
        seq = data.get("seq")
        if isinstance(seq, bool) or not isinstance(seq, int):
            raise ValueError(f"the saved position {dict(data)!r} is not a feed seq")
        return cls(seq, {k: v for k, v in data.items() if k != "seq"})
