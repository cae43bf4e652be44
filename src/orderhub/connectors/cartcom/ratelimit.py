"""Pace calls to one Cart.com store from its `X-AC-Call-Limit` header.

The window logic is `CallWindow` (see call_window.py). `CallLimiter` keeps it in this process:
every flow of one store in this process draws from one limiter (`limiter_for`), so it is
thread-safe. Processes that share stores (distributed workers) use `SharedCallLimiter`, which
keeps the same window in the database. The headers involved are read in rate_headers.py.

Each call states its priority (`orderhub.engine.priority`); a limiter built with
`priorities=False` treats every caller alike, first come first served (the control in tests
and benchmarks).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import Counter
from collections.abc import Mapping
from typing import Protocol

import httpx

from orderhub.clock import Clock, Sleep, SystemClock
from orderhub.connectors.cartcom.call_window import DEFAULT_MARGIN, WINDOW_SECONDS, CallWindow
from orderhub.connectors.cartcom.rate_headers import (
    CALL_LIMIT_HEADER,
    header_value,
    parse_call_limit,
)
from orderhub.connectors.cartcom.store_url import store_key
from orderhub.engine.priority import UNRANKED, CallPriority

__all__ = [
    "CallBudget",
    "CallLimiter",
    "install_limiter",
    "limiter_for",
    "rank",
    "reset_limiters",
    "waiter_id",
]

_log = logging.getLogger(__name__)


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

    def hold(self, priority: CallPriority) -> None:
        """A client of `priority` starts calling (before its first call)."""

    def release(self, priority: CallPriority) -> None:
        """A client that `hold` announced is done: the headroom its priority keeps in the
        window (`CallWindow.recent`) goes now if no other client of it still calls."""


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
        self._holders: Counter[int] = Counter()
        """Clients calling now, by rank: a rank's headroom goes when its last one is done."""

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

    def hold(self, priority: CallPriority) -> None:
        with self._lock:
            self._holders[rank(priority, enabled=self._priorities)] += 1

    def release(self, priority: CallPriority) -> None:
        level = rank(priority, enabled=self._priorities)
        with self._lock:
            self._holders[level] -= 1
            if self._holders[level] <= 0:
                del self._holders[level]
                self._state.release(level)

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


_registry: dict[str, CallLimiter] = {}
_registry_lock = threading.Lock()


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
