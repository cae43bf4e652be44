"""The store's clock face: which time zone its timestamps are shown in, and how.

Cart.com keeps times as instants and shows them with the store's local offset (every docs
sample: `-05:00`/`-06:00`, US Central). Two things are open (API-NOTES §5 and open question 5):
the store's time zone (a merchant picks it) and whether some stores, or some versions, answer
in UTC instead. So the face has two switches, and stored data never changes with them (every
timestamp is kept as UTC milliseconds):

- `zone`: an IANA name (`America/Chicago` by default, the samples' zone). A value without an
  offset, in a filter or a body, is read in this zone; DST gaps and repeats follow the zone's
  rules (a repeated local hour is read as its first occurrence, as `zoneinfo` does with
  `fold=0`).
- `utc`: show every timestamp in UTC with a `Z` instead of the local offset.

One face is shared by every table of a store and changed in place, so renderers compiled
before a change follow it. US Central in local form keeps the fast path of `timefmt`.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .timefmt import (
    central_offset_ms,
    datetime_to_ms,
    format_ms,
    local_midnight,
    ms_to_datetime,
)

__all__ = ["CENTRAL", "StoreTime"]

CENTRAL = "America/Chicago"
_CACHE_LIMIT = 200_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class StoreTime:
    """How one store shows and reads local times (module docstring)."""

    def __init__(self, zone: str = CENTRAL, *, utc: bool = False) -> None:
        self._lock = threading.Lock()
        self.cache: dict[int, str] = {}
        """ms -> text; compiled renderers look here first. Cleared (never replaced) on change."""
        self.zone = CENTRAL
        self._info: ZoneInfo | None = None
        self.utc = False
        self.set(zone=zone, utc=utc)

    def set(self, *, zone: str | None = None, utc: bool | None = None) -> None:
        """Change the zone and/or the UTC form; raises `ValueError` for an unknown zone."""
        with self._lock:
            if zone is not None:
                if zone != CENTRAL:
                    try:
                        info = ZoneInfo(zone)
                    except (ZoneInfoNotFoundError, ValueError) as exc:
                        raise ValueError(f"unknown time zone {zone!r}") from exc
                else:
                    info = None
                self.zone, self._info = zone, info
            if utc is not None:
                self.utc = bool(utc)
            self.cache.clear()

    def offset_ms(self, ms: int) -> int:
        """The zone's UTC offset at instant `ms` (milliseconds)."""
        if self._info is None:
            return central_offset_ms(ms)
        offset = ms_to_datetime(ms).astimezone(self._info).utcoffset()
        return 0 if offset is None else offset // timedelta(milliseconds=1)

    def format(self, ms: int) -> str:
        """`2026-11-01T01:30:00.5-05:00` (local) or `2026-11-01T06:30:00.5Z` (UTC form)."""
        text = self.cache.get(ms)
        if text is not None:
            return text
        if self.utc:
            text = _utc_text(ms)
        elif self._info is None:
            text = format_ms(ms)
        else:
            text = _local_text(ms, self.offset_ms(ms))
        if len(self.cache) >= _CACHE_LIMIT:
            self.cache.clear()
        self.cache[ms] = text
        return text

    def naive_to_utc_us(self, naive_us: int) -> int:
        """Microseconds of a wall-clock reading without offset, read in the store's zone."""
        if self._info is None:
            guess = naive_us // 1000 + 6 * 3_600_000
            return naive_us - central_offset_ms(guess) * 1000
        wall = _EPOCH + timedelta(microseconds=naive_us)  # the reading, as if it were UTC
        offset = wall.replace(tzinfo=self._info).utcoffset() or timedelta(0)
        return naive_us - offset // timedelta(microseconds=1)

    def local_midnight(self, ms: int) -> int:
        """The store-local midnight that starts the day of `ms` (a date-only field's value)."""
        if self._info is None:
            return local_midnight(ms)
        day = ms_to_datetime(ms).astimezone(self._info).date()
        start = datetime(day.year, day.month, day.day, tzinfo=self._info)
        return datetime_to_ms(start.astimezone(UTC))

    def to_dict(self) -> dict[str, object]:
        return {"timezone": self.zone, "timestamps_in_utc": self.utc}


def _fraction(ms: int) -> str:
    frac = ms % 1000
    return ("." + f"{frac:03d}").rstrip("0") if frac else ""


def _clock_text(local_ms: int) -> str:
    moment = _EPOCH + timedelta(milliseconds=local_ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + _fraction(local_ms)


def _utc_text(ms: int) -> str:
    return _clock_text(ms) + "Z"


def _local_text(ms: int, offset_ms: int) -> str:
    sign = "-" if offset_ms < 0 else "+"
    minutes = abs(offset_ms) // 60_000
    return _clock_text(ms + offset_ms) + f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
