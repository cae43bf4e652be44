"""Sign-in throttling: at most 5 failed attempts a minute per client address and email.

Kept in memory (per process): it slows password guessing against one account from one place
without locking the real owner out for long. The clock is injected so tests need not wait.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

__all__ = ["SignInLimiter"]


class SignInLimiter:
    def __init__(
        self,
        *,
        monotonic: Callable[[], float],
        max_failures: int = 5,
        window_seconds: float = 60.0,
        max_keys: int = 10_000,
    ) -> None:
        self._monotonic = monotonic
        self._max = max_failures
        self._window = window_seconds
        self._max_keys = max_keys
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, address: str, email: str) -> float:
        """Seconds until this address may try this email again; 0 when it may now."""
        key = (address, email.strip().lower())
        now = self._monotonic()
        with self._lock:
            times = self._recent(key, now)
            if len(times) < self._max:
                return 0.0
            return max(1.0, times[0] + self._window - now)

    def failed(self, address: str, email: str) -> None:
        key = (address, email.strip().lower())
        now = self._monotonic()
        with self._lock:
            if key not in self._failures and len(self._failures) >= self._max_keys:
                self._prune(now)
            self._recent(key, now).append(now)

    def succeeded(self, address: str, email: str) -> None:
        with self._lock:
            self._failures.pop((address, email.strip().lower()), None)

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self._window:
            times.popleft()
        return times

    def _prune(self, now: float) -> None:
        for key in list(self._failures):
            if not self._recent(key, now):
                del self._failures[key]
        while len(self._failures) >= self._max_keys:  # all busy: forget the oldest key
            del self._failures[next(iter(self._failures))]
