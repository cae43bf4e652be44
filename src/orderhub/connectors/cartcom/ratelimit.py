"""Pace calls to one Cart.com store from its `X-AC-Call-Limit` header.

Cart.com counts calls in a fixed 10-second window per store (5, 10, 20 or 50 calls by plan) and
answers `429` with `Retry-After` once the window's budget is spent. The window's start is never
announced, so the limiter infers it:

* calls go out freely while `used < limit`;
* the window is taken to have begun when a response showed `used == 1` (or when the count fell),
  measured at the response's arrival, which is never before the server's own start; before any
  such response, at the first call sent in the window;
* once the budget is spent, the next call waits until that start + 10 s + a small margin;
* a `429` sets a hard floor of `Retry-After` (+ margin), or a whole window when none was given.

This keeps a steady stream of calls at the physical limit without a single 429 in the usual
case. Every flow of one store draws from one limiter (`limiter_for`), so it is thread-safe.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from orderhub.clock import Clock, Sleep, SystemClock

__all__ = [
    "CALL_LIMIT_HEADER",
    "CallLimiter",
    "limiter_for",
    "parse_call_limit",
    "parse_retry_after",
    "reset_limiters",
]

CALL_LIMIT_HEADER = "X-AC-Call-Limit"
WINDOW_SECONDS = 10.0
DEFAULT_MARGIN = 0.25

_log = logging.getLogger(__name__)
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


class CallLimiter:
    """One store's call budget, shared by every flow that talks to that store."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        sleep: Sleep | None = None,
        window: float = WINDOW_SECONDS,
        margin: float = DEFAULT_MARGIN,
    ) -> None:
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._sleep: Sleep = sleep if sleep is not None else time.sleep
        self._window = window
        self._margin = margin
        self._lock = threading.Lock()
        self._limit: int | None = None
        self._used = 0  # calls the server has counted, or will, in the current window
        self._header_used = 0  # the last count the server reported in this window
        self._window_start: float | None = None
        self._blocked_until = 0.0  # hard floor from a 429
        self._in_flight = 0
        self._waited = 0.0

    @property
    def used(self) -> int:
        """Calls counted (or in flight) in the current window, as far as we can tell."""
        with self._lock:
            return self._used

    @property
    def limit(self) -> int | None:
        """Calls allowed per window, from the last readable header; `None` before any."""
        with self._lock:
            return self._limit

    @property
    def waited_seconds(self) -> float:
        """Total seconds callers have been held back by this limiter."""
        with self._lock:
            return self._waited

    def before_call(self, *, sleep: Sleep | None = None) -> float:
        """Wait until a call may be sent, reserve it, and return the seconds waited.

        `sleep` overrides the limiter's own for this call (a flow may sleep on an event that
        a shutdown can interrupt).
        """
        do_sleep = sleep if sleep is not None else self._sleep
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock.monotonic()
                self._roll_over(now)
                wait = self._wait_needed(now)
                if wait <= 0:
                    self._used += 1
                    self._in_flight += 1
                    if self._window_start is None:
                        self._window_start = now
                    return waited
            _log.debug("call budget spent; waiting %.2fs", wait)
            do_sleep(wait)
            waited += wait
            with self._lock:
                self._waited += wait

    def after_response(
        self, headers: Mapping[str, str] | httpx.Headers, now: float | None = None
    ) -> None:
        """Learn the window's state from a response's headers (`now`: the clock's monotonic)."""
        with self._lock:
            at = self._clock.monotonic() if now is None else now
            self._in_flight = max(0, self._in_flight - 1)
            parsed = parse_call_limit(_header(headers, CALL_LIMIT_HEADER))
            if parsed is None:
                return
            used, limit = parsed
            self._limit = limit
            new_window = used == 1 or used < self._header_used
            if new_window:
                self._window_start = at
                self._used = used + self._in_flight
            else:
                self._used = max(self._used, used)
            self._header_used = used

    def on_rate_limited(self, retry_after_seconds: float | None) -> None:
        """A 429 arrived: hold every caller until `Retry-After` (+ margin) has passed.

        Call it after `after_response` for the same 429 response.
        """
        with self._lock:
            now = self._clock.monotonic()
            delay = retry_after_seconds if retry_after_seconds is not None else self._window
            self._blocked_until = max(self._blocked_until, now + max(0.0, delay) + self._margin)
            # The counter resets when the floor passes; start the next window afresh then.
            if self._limit is not None:
                self._used = max(self._used, self._limit)
            self._window_start = None
            self._header_used = 0

    def call_failed(self) -> None:
        """A reserved call got no response (network error): release its in-flight slot."""
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)

    def _roll_over(self, now: float) -> None:
        """Forget the count once the window we believe in has surely ended."""
        if self._blocked_until:
            if now < self._blocked_until:
                return
            self._blocked_until = 0.0
            if self._window_start is None:
                # A 429 floor just passed: the server's counter has reset.
                self._used = self._in_flight
                return
        start = self._window_start
        if start is not None and now >= start + self._window + self._margin:
            self._used = self._in_flight
            self._header_used = 0
            self._window_start = None

    def _wait_needed(self, now: float) -> float:
        if now < self._blocked_until:
            return self._blocked_until - now
        if self._limit is None or self._used < self._limit:
            return 0.0
        start = self._window_start
        if start is None:
            # Spent, but no call of this window has been seen yet (other threads' calls are
            # still in flight): look again after a short pause.
            return max(self._margin, 0.05)
        return max(0.0, start + self._window + self._margin - now)


def _header(headers: Mapping[str, str] | httpx.Headers, name: str) -> str | None:
    if isinstance(headers, httpx.Headers):
        value: str | None = headers.get(name)
        return value
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


_registry: dict[str, CallLimiter] = {}
_registry_lock = threading.Lock()


def _store_key(store_key: str) -> str:
    text = store_key.strip()
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL:
        return text.lower().rstrip("/")
    if not url.host:
        return text.lower().rstrip("/")
    port = f":{url.port}" if url.port is not None else ""
    path = url.path.rstrip("/")
    if path.lower().endswith("/api/v1"):
        path = path[: -len("/api/v1")]
    return f"{url.scheme.lower()}://{url.host.lower()}{port}{path}"


def limiter_for(store_key: str) -> CallLimiter:
    """The process-wide limiter of one store (keyed by its normalised base URL; real time)."""
    key = _store_key(store_key)
    with _registry_lock:
        limiter = _registry.get(key)
        if limiter is None:
            limiter = _registry[key] = CallLimiter()
        return limiter


def reset_limiters() -> None:
    """Forget every shared limiter (for tests and for a process that re-reads its settings)."""
    with _registry_lock:
        _registry.clear()
