"""The per-store call limit: a fixed 10-second window, sized by plan.

The window opens at the first call after the previous one ended. `X-AC-Call-Limit` reports
`used/limit`; past the limit the answer is 429 with `Retry-After` in whole seconds (at least 1)
until the window resets, and the refused call does not count as used. Time comes from the
injected clock's monotonic reading, so tests never sleep.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from orderhub.clock import Clock

__all__ = [
    "DEFAULT_PLAN",
    "PLAN_LIMITS",
    "UNLIMITED_REPORTED",
    "WINDOW_SECONDS",
    "Decision",
    "RateLimiter",
]

WINDOW_SECONDS = 10.0
PLAN_LIMITS: dict[str, int | None] = {
    "steel": 5,
    "bronze": 10,
    "silver": 20,
    "gold": 50,
    "unlimited": None,
}
UNLIMITED_REPORTED = 10000
DEFAULT_PLAN = "steel"
"""Cart.com's smallest plan: a sandbox, demo or test that names no plan is never kinder than a
store (docs/sandbox.md, "Which plan by default"). `unlimited` exists only when asked for."""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    used: int
    limit: int
    retry_after: int

    @property
    def header(self) -> str:
        return f"{self.used}/{self.limit}"


class RateLimiter:
    def __init__(self, plan: str, clock: Clock, window: float = WINDOW_SECONDS) -> None:
        if plan not in PLAN_LIMITS:
            raise ValueError(f"unknown plan {plan!r}; one of {', '.join(PLAN_LIMITS)}")
        self.plan = plan
        self.limit = PLAN_LIMITS[plan]
        self.clock = clock
        self.window = window
        self._lock = threading.Lock()
        self._window_end: float | None = None
        self._used = 0

    def _roll(self, now: float) -> None:
        if self._window_end is None or now >= self._window_end:
            self._window_end = now + self.window
            self._used = 0

    def take(self) -> Decision:
        """Count one call, or refuse it."""
        with self._lock:
            now = self.clock.monotonic()
            self._roll(now)
            assert self._window_end is not None
            reported = self.limit if self.limit is not None else UNLIMITED_REPORTED
            if self.limit is not None and self._used >= self.limit:
                wait = max(1, math.ceil(self._window_end - now))
                return Decision(False, self._used, reported, wait)
            self._used += 1
            return Decision(True, self._used, reported, 0)

    def peek(self) -> Decision:
        """The current state without counting (for answers that are not API calls: 401)."""
        with self._lock:
            now = self.clock.monotonic()
            used = self._used if self._window_end is not None and now < self._window_end else 0
            reported = self.limit if self.limit is not None else UNLIMITED_REPORTED
            return Decision(True, used, reported, 0)
