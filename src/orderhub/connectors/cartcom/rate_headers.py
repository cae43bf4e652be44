"""The two headers Cart.com paces calls with: `X-AC-Call-Limit` and `Retry-After`.

Read by the limiters (ratelimit.py, shared_limiter.py) and by the error classification (a
429's `retry_after`); a value we do not understand must never stop a sync.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

__all__ = ["CALL_LIMIT_HEADER", "header_value", "parse_call_limit", "parse_retry_after"]

CALL_LIMIT_HEADER = "X-AC-Call-Limit"
_CALL_LIMIT = re.compile(r"^\s*(\d{1,9})\s*/\s*(\d{1,9})\s*$")


def parse_call_limit(value: str | None) -> tuple[int, int] | None:
    """`"3/5"` → `(3, 5)`; anything else (missing, `"abc"`, `"5/0"`, `"-1/5"`) → `None`.

    The header's exact text is undocumented; `used/limit` is what every known client reads,
    and a value we do not understand must not stop a sync.
    """
    if not value:
        return None
    match = _CALL_LIMIT.match(value)
    if match is None:
        return None
    used, limit = int(match.group(1)), int(match.group(2))
    if limit <= 0:
        return None
    return used, limit


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """`Retry-After` in seconds (>= 0): delta-seconds or an HTTP-date; garbage → `None`.

    An HTTP-date is measured from `now` (the response's `Date` header is the best choice, as it
    shares the server's clock); without it, from the local clock.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        if seconds != seconds or seconds in (float("inf"), float("-inf")):
            return None
        return max(0.0, seconds)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    reference = now if now is not None else datetime.now(UTC)
    return max(0.0, (when - reference).total_seconds())


def header_value(headers: Mapping[str, str] | httpx.Headers, name: str) -> str | None:
    if isinstance(headers, httpx.Headers):
        value: str | None = headers.get(name)
        return value
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None
