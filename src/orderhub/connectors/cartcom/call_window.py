"""What we know of one store's call budget, and how each event changes it.

Pure state and transitions, with time passed in: `CallLimiter` keeps one `CallWindow` in the
process under a lock (monotonic seconds); `SharedCallLimiter` keeps it in a database row under
a row lock, on the database server's clock, so every machine agrees.

Cart.com counts calls in a fixed window per store (10 s; 5, 10, 20 or 50 calls by plan) and
answers `429` with `Retry-After` once it is spent. The window's start is never announced, and
with several callers the `X-AC-Call-Limit` answers arrive out of order, so the count cannot be
followed call by call. Instead we keep a log of when our calls were sent and allow a call only
if fewer than `limit` were sent in the last `window + margin` seconds. Any fixed window of
`window` seconds on the server receives only calls sent within `window + margin` of each
other (as long as a request reaches the server within `margin`), so this never exceeds the
limit, whatever the window's alignment; and it is as fast: `limit` calls, then the next one
when the oldest is `window + margin` old.

The header still matters: it gives the limit, and a count higher than our own calls in the
interval reveals another client of the same store (a second app, a person's script), whose
calls are logged as if sent when we learned of them. A `429` holds every caller until its
`Retry-After` (+ margin) has passed, or a whole window when none was given. A caller killed
mid-call leaves nothing behind but log entries that expire on their own.
"""

from __future__ import annotations

import bisect
from dataclasses import asdict, dataclass, field, fields
from typing import Any

__all__ = [
    "ASSUMED_LIMIT",
    "DEFAULT_MARGIN",
    "UNLIMITED_FROM",
    "WINDOW_SECONDS",
    "CallWindow",
]

WINDOW_SECONDS = 10.0
DEFAULT_MARGIN = 0.25
ASSUMED_LIMIT = 5
"""Before any header told the limit: the smallest plan's (only the first answers wait for it)."""
UNLIMITED_FROM = 1000
"""A reported limit this high means no limit to pace by (unlimited stores report 10000)."""
_MIN_WAIT = 0.001


@dataclass
class CallWindow:
    """One store's budget as far as we can tell. All times share one clock."""

    limit: int | None = None
    """Calls allowed per window, from the last readable header; None before any."""
    sent: list[float] = field(default_factory=list)
    """When each call of the last `window + margin` seconds was sent, oldest first."""
    blocked_until: float = 0.0
    """Hard floor from a 429."""

    @property
    def used(self) -> int:
        """Calls logged in the current interval (as of the last event)."""
        return len(self.sent)

    def reserve(self, now: float, *, window: float, margin: float) -> float:
        """Reserve one call now and return 0, or return how long to wait before asking again."""
        if now < self.blocked_until:
            return self.blocked_until - now
        self.blocked_until = 0.0
        cap = self._cap()
        if cap is None:
            self.sent.clear()
            return 0.0
        self._forget_before(now - window - margin)
        if len(self.sent) >= cap:
            oldest_that_counts = self.sent[len(self.sent) - cap]
            return max(_MIN_WAIT, oldest_that_counts + window + margin - now)
        bisect.insort(self.sent, now)
        return 0.0

    def observe(self, used: int, limit: int, at: float, *, window: float, margin: float) -> None:
        """An answer arrived at `at` reporting `used/limit` calls in the server's window."""
        self.limit = limit
        if self._cap() is None:
            self.sent.clear()
            return
        self._forget_before(at - window - margin)
        ours = bisect.bisect_right(self.sent, at)
        for _ in range(used - ours):
            bisect.insort(self.sent, at)  # someone else's calls, logged when we learned of them

    def rate_limited(
        self, retry_after: float | None, now: float, *, window: float, margin: float
    ) -> None:
        """A 429 arrived: hold every caller until `Retry-After` (+ margin) has passed."""
        delay = retry_after if retry_after is not None else window
        self.blocked_until = max(self.blocked_until, now + max(0.0, delay) + margin)
        # Calls sent so far reached the window that ends before the floor: once it passes,
        # the server counts afresh, and so do we.
        self._forget_before(now)

    def to_document(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_document(cls, document: dict[str, Any] | None) -> CallWindow:
        """The window saved by `to_document`; unknown keys (another version's) are ignored.

        The window owns its log: changing it never changes `document`, so a caller can tell
        a changed window from the one it read by comparing documents.
        """
        if not document:
            return cls()
        known = {field.name for field in fields(cls)}
        window = cls(**{key: value for key, value in document.items() if key in known})
        window.sent = list(window.sent)
        return window

    def _cap(self) -> int | None:
        if self.limit is None:
            return ASSUMED_LIMIT
        if self.limit >= UNLIMITED_FROM:
            return None
        return self.limit

    def _forget_before(self, cutoff: float) -> None:
        keep_from = bisect.bisect_right(self.sent, cutoff)
        if keep_from:
            del self.sent[:keep_from]
