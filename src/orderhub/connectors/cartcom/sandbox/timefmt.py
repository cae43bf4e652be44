"""Store time as Cart.com shows it: SQL Server `datetime` precision and US Central offsets.

Every timestamp is kept as integer milliseconds since the Unix epoch, already rounded to the
SQL Server `datetime` grid (1/300 s, so the last millisecond digit is 0, 3 or 7). Rounding on
write means a value a client reads back and sends in an `eq:` filter matches exactly.

Rendering uses the store's local offset (US Central: `-06:00` in winter, `-05:00` in summer) and
0-3 fraction digits with trailing zeros dropped, like the docs' samples (`.7`, `.16`, `.923`).
The DST rule is computed (second Sunday of March to first Sunday of November, 2:00 local), so no
tz database is needed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

__all__ = [
    "FORMATTED",
    "HOUR_MS",
    "TimeParseError",
    "central_offset_ms",
    "datetime_to_ms",
    "format_http_date",
    "format_ms",
    "grid_ms",
    "local_midnight",
    "ms_to_datetime",
    "parse_time_us",
]

HOUR_MS = 3_600_000
_STD_OFFSET_MS = -6 * HOUR_MS
_DST_OFFSET_MS = -5 * HOUR_MS
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DST_CACHE: dict[int, tuple[int, int]] = {}

_TIME_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?"
    r"(Z|z|[+-]\d{2}:?\d{2})?$"
)


class TimeParseError(ValueError):
    """A timestamp in a filter or body that we cannot read."""


def _dst_bounds(year: int) -> tuple[int, int]:
    """UTC milliseconds where US Central DST starts and ends in `year`."""
    cached = _DST_CACHE.get(year)
    if cached is not None:
        return cached
    march = datetime(year, 3, 1, tzinfo=UTC)
    second_sunday = march + timedelta(days=(6 - march.weekday()) % 7 + 7)
    november = datetime(year, 11, 1, tzinfo=UTC)
    first_sunday = november + timedelta(days=(6 - november.weekday()) % 7)
    start = datetime_to_ms(second_sunday + timedelta(hours=8))  # 02:00 CST
    end = datetime_to_ms(first_sunday + timedelta(hours=7))  # 02:00 CDT
    _DST_CACHE[year] = (start, end)
    return start, end


def central_offset_ms(ms: int) -> int:
    """The US Central UTC offset in milliseconds at UTC instant `ms`."""
    year = time.gmtime(ms // 1000).tm_year
    start, end = _dst_bounds(year)
    return _DST_OFFSET_MS if start <= ms < end else _STD_OFFSET_MS


def grid_ms(exact_ms: float) -> int:
    """Round to the SQL Server `datetime` grid (1/300 s): milliseconds end in 0, 3 or 7."""
    ticks = round(exact_ms * 3 / 10)
    return (ticks * 10 + 1) // 3


def datetime_to_ms(value: datetime) -> int:
    """Exact milliseconds since the epoch (truncated), for an aware datetime."""
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return (value - _EPOCH) // timedelta(milliseconds=1)


def ms_to_datetime(ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=ms)


_YEAR_MS = 31_556_952_000  # mean Gregorian year
_DAY_MS = 86_400_000
_DAY_PREFIX: dict[int, str] = {}
FORMATTED: dict[int, str] = {}  # timestamps repeat a lot within a page (items share times)
_TWO = [f"{i:02d}" for i in range(60)]
_FRACTION = [""] + [("." + f"{i:03d}").rstrip("0") for i in range(1, 1000)]


def _day_prefix(day: int) -> str:
    prefix = _DAY_PREFIX.get(day)
    if prefix is None:
        t = time.gmtime(day * 86_400)
        prefix = f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T"
        if len(_DAY_PREFIX) < 100_000:
            _DAY_PREFIX[day] = prefix
    return prefix


def format_ms(ms: int) -> str:
    """`2014-03-19T13:31:47.923-05:00`: local Central time, 0-3 fraction digits.

    On the hot path of every response (a page of 100 expanded orders holds ~1,500 times), so it
    avoids `datetime`: the year estimate may be off by one only near New Year, where DST is off
    in either year anyway.
    """
    text = FORMATTED.get(ms)
    if text is not None:
        return text
    year = 1970 + ms // _YEAR_MS
    bounds = _DST_CACHE.get(year) or _dst_bounds(year)
    if bounds[0] <= ms < bounds[1]:
        local = ms + _DST_OFFSET_MS
        suffix = "-05:00"
    else:
        local = ms + _STD_OFFSET_MS
        suffix = "-06:00"
    day, rem = divmod(local, _DAY_MS)
    sec, frac = divmod(rem, 1000)
    hour, sec = divmod(sec, 3600)
    minute, sec = divmod(sec, 60)
    two = _TWO
    text = _day_prefix(day) + two[hour] + ":" + two[minute] + ":" + two[sec] + _FRACTION[frac]
    text += suffix
    if len(FORMATTED) >= 200_000:
        FORMATTED.clear()
    FORMATTED[ms] = text
    return text


def parse_time_us(text: str, naive: Callable[[int], int] | None = None) -> int:
    """Microseconds since the epoch for an ISO 8601 value from a filter or a request body.

    Accepts `Z`, `+hh:mm`/`-hh:mm` offsets, 0-9 fraction digits and a date alone. A value
    without an offset is read as store-local time, our answer to an open question: `naive`
    (the store's `StoreTime.naive_to_utc_us`) reads it, US Central when not given.
    """
    match = _TIME_RE.match(text.strip())
    if match is None:
        raise TimeParseError(f"'{text}' is not an ISO 8601 date/time")
    year, month, day, hour, minute, second, frac, zone = match.groups()
    try:
        base = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=UTC,
        )
    except ValueError as exc:
        raise TimeParseError(f"'{text}' is not a valid date/time") from exc
    micros = int((frac or "0")[:6].ljust(6, "0"))
    naive_us = (base - _EPOCH) // timedelta(microseconds=1) + micros
    if zone is None and naive is not None:
        return naive(naive_us)
    if zone is None:
        guess = naive_us // 1000 - _STD_OFFSET_MS
        offset_us = central_offset_ms(guess) * 1000
        return naive_us - offset_us
    if zone in ("Z", "z"):
        return naive_us
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    offset_us = sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60) * 1_000_000
    return naive_us - offset_us


def local_midnight(ms: int) -> int:
    """The store-local midnight that starts the day of `ms` (a date-only field's value)."""
    offset = central_offset_ms(ms)
    local = ms + offset
    return local - local % 86_400_000 - offset


def format_http_date(ms: int) -> str:
    """RFC 7231 date for `Last-Modified`/`Expires`."""
    t = time.gmtime(ms // 1000)
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", t)
