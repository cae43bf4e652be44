"""Pace calls to one Cart.com store from its `X-AC-Call-Limit` header.

The window logic is `CallWindow` (see call_window.py). `CallLimiter` keeps it in this process:
every flow of one store in this process draws from one limiter (`limiter_for`), so it is
thread-safe. Processes that share stores (distributed workers) use `SharedCallLimiter`, which
keeps the same window in the database. This module also reads the two headers involved.

Each call states its priority (`orderhub.engine.priority`); a limiter built with
`priorities=False` treats every caller alike, first come first served (the control in tests
and benchmarks).
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol

import httpx

from orderhub.clock import Clock, Sleep, SystemClock
from orderhub.connectors.cartcom.call_window import DEFAULT_MARGIN, WINDOW_SECONDS, CallWindow
from orderhub.engine.priority import UNRANKED, CallPriority

__all__ = [
    "CALL_LIMIT_HEADER",
    "CallBudget",
    "CallLimiter",
    "header_value",
    "install_limiter",
    "limiter_for",
    "parse_call_limit",
    "parse_retry_after",
    "rank",
    "reset_limiters",
    "store_key",
    "waiter_id",
]

CALL_LIMIT_HEADER = "X-AC-Call-Limit"
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


class CallBudget(Protocol):
    """What the client asks of a store's call budget (one per store, in-process or shared).

    A reserved call that gets no answer (a network error) is not given back: it may have
    reached the server, so it stays counted. `priority` says who goes first when the window
    is nearly spent.
    """

    def before_call(
        self, *, sleep: Sleep | None = None, priority: CallPriority = UNRANKED
    ) -> float: ...

    def after_response(
        self, headers: Mapping[str, str] | httpx.Headers, now: float | None = None
    ) -> None: ...

    def on_rate_limited(self, retry_after_seconds: float | None) -> None: ...


class CallLimiter:
    """One store's call budget, shared by every flow of this process that talks to that store."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        sleep: Sleep | None = None,
        window: float = WINDOW_SECONDS,
        margin: float = DEFAULT_MARGIN,
        priorities: bool = True,
    ) -> None:
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._sleep: Sleep = sleep if sleep is not None else time.sleep
        self._window = window
        self._margin = margin
        self._priorities = priorities
        self._lock = threading.Lock()
        self._state = CallWindow()
        self._waited = 0.0

    @property
    def used(self) -> int:
        """Calls counted (or in flight) in the current window, as far as we can tell."""
        with self._lock:
            return self._state.used

    @property
    def limit(self) -> int | None:
        """Calls allowed per window, from the last readable header; `None` before any."""
        with self._lock:
            return self._state.limit

    @property
    def waited_seconds(self) -> float:
        """Total seconds callers have been held back by this limiter."""
        with self._lock:
            return self._waited

    def before_call(
        self, *, sleep: Sleep | None = None, priority: CallPriority = UNRANKED
    ) -> float:
        """Wait until a call may be sent, reserve it, and return the seconds waited.

        `sleep` overrides the limiter's own for this call (a flow may sleep on an event that
        a shutdown can interrupt). While it waits, lower priorities give way to it.
        """
        do_sleep = sleep if sleep is not None else self._sleep
        level = rank(priority, enabled=self._priorities)
        waiter = waiter_id()
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock.monotonic()
                wait = self._state.reserve(
                    now,
                    window=self._window,
                    margin=self._margin,
                    priority=level,
                    waiter=waiter,
                )
                if wait <= 0:
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
            parsed = parse_call_limit(header_value(headers, CALL_LIMIT_HEADER))
            if parsed is not None:
                used, limit = parsed
                self._state.observe(used, limit, at, window=self._window, margin=self._margin)

    def on_rate_limited(self, retry_after_seconds: float | None) -> None:
        """A 429 arrived: hold every caller until `Retry-After` (+ margin) has passed.

        Call it after `after_response` for the same 429 response.
        """
        with self._lock:
            self._state.rate_limited(
                retry_after_seconds,
                self._clock.monotonic(),
                window=self._window,
                margin=self._margin,
            )


def rank(priority: CallPriority, *, enabled: bool) -> int:
    """The window's rank for a caller: its priority, or one rank for all when priorities are off."""
    return int(priority) if enabled else 0


def waiter_id() -> str:
    """A name for one caller's turn, unique across processes (it may wait in a shared row)."""
    return secrets.token_hex(6)


def header_value(headers: Mapping[str, str] | httpx.Headers, name: str) -> str | None:
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


def store_key(api_url: str) -> str:
    """One store's key: its base URL, normalised (scheme and host lower-cased, no /api/v1)."""
    text = api_url.strip()
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


def limiter_for(api_url: str) -> CallLimiter:
    """The process-wide limiter of one store (keyed by its normalised base URL; real time)."""
    key = store_key(api_url)
    with _registry_lock:
        limiter = _registry.get(key)
        if limiter is None:
            limiter = _registry[key] = CallLimiter()
        return limiter


def install_limiter(api_url: str, limiter: CallLimiter) -> None:
    """Make `limiter` this process's budget of one store, in place of the default one.

    For tests and benchmarks: a sandbox store on a shortened window, or priorities off.
    `reset_limiters` forgets it.
    """
    with _registry_lock:
        _registry[store_key(api_url)] = limiter


def reset_limiters() -> None:
    """Forget every shared limiter (for tests and for a process that re-reads its settings)."""
    with _registry_lock:
        _registry.clear()
