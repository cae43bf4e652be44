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

Every caller states a priority (`orderhub.engine.priority`; here a plain int, lower first).
When the window has room everyone goes at once; when it is nearly spent, two rules order it:

- **Demand.** A caller told to wait leaves its id, priority and the time it will ask again
  (`waiting`). While a caller of higher priority waits, lower ones take no call, not even one
  the window has room for; they ask again just after its turn. So a waiting caller never waits
  behind a lower one: its wait is the window's (at most `window + margin`), a 429's, or that of
  callers as urgent as itself. An entry goes when its caller gets its call, or `grace` seconds
  after the time it said it would ask again (its process died, its thread is late): nobody
  waits for a dead caller longer than that.
- **Headroom.** A priority that sent a call in the last `window + margin` (`recent`) keeps a
  share of the window (a tenth of the limit, at least one call) free from every priority below
  it: between two calls of a fulfillment run the lower flows cannot refill the window to the
  brim, so its next call goes at once. A caller with no higher priority around uses the whole
  window, and headroom never leaves anyone less than one share: it alone starves nobody.
  When the last client of a priority closes (its run ended), its headroom goes with it
  (`release`): nobody of that priority is left to need it.

- **No starving.** Only demand can hold a low caller for long: while higher ones keep waiting
  (an orders backfill on a steel store can keep the window full for an hour). A caller that has
  waited `STARVE_WINDOWS` windows ranks second (`AGED_RANK`, orders.pull's rank) for that one
  call: it takes turns with the second rank and goes before every rank below, never before
  the first (fulfillments). So each starved flow still gets a call every few windows, and a
  first-rank caller still never waits behind anyone lower.

Mixed versions sharing a row lose only the ordering: a version that does not know `waiting`
and `recent` drops them when it saves, and its callers never wait for them.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any, NamedTuple

__all__ = [
    "AGED_RANK",
    "ASSUMED_LIMIT",
    "DEFAULT_MARGIN",
    "DEMAND_GRACE",
    "DEMAND_POLL",
    "STARVE_WINDOWS",
    "UNLIMITED_FROM",
    "WINDOW_SECONDS",
    "CallWindow",
    "Claim",
]

WINDOW_SECONDS = 10.0
DEFAULT_MARGIN = 0.25
ASSUMED_LIMIT = 5
"""Before any header told the limit: the smallest plan's (only the first answers wait for it)."""
UNLIMITED_FROM = 1000
"""A reported limit this high means no limit to pace by (unlimited stores report 10000)."""
DEMAND_GRACE = 1.0
"""Seconds past the time it said it would ask again that a waiting caller's claim holds: long
enough for a late thread or a slow database round trip, short enough for a dead process."""
DEMAND_POLL = 0.05
"""How long after a higher caller's turn a lower one asks again: that one goes first."""
STARVE_WINDOWS = 6
"""After waiting this many windows (a minute on Cart.com), a caller ranks `AGED_RANK`."""
AGED_RANK = 1
"""The rank of a starved caller: the second (orders.pull's), never the first."""
_HEADROOM_SHARE = 10
"""A present priority keeps limit / 10 calls (at least one) free from those below it."""
_MIN_WAIT = 0.001


class Claim(NamedTuple):
    """A caller told to wait: it says when it will ask again, so others can give way."""

    priority: int
    at: float
    """When it will ask again."""
    since: float
    """When it was first told to wait for this call."""


@dataclass
class CallWindow:
    """One store's budget as far as we can tell. All times share one clock."""

    limit: int | None = None
    """Calls allowed per window, from the last readable header; None before any."""
    sent: list[float] = field(default_factory=list)
    """When each call of the last `window + margin` seconds was sent, oldest first."""
    blocked_until: float = 0.0
    """Hard floor from a 429."""
    waiting: dict[str, Claim] = field(default_factory=dict)
    """Callers told to wait, by id."""
    recent: dict[int, float] = field(default_factory=dict)
    """Priority -> when a call of that priority was last sent (kept `window + margin`)."""

    @property
    def used(self) -> int:
        """Calls logged in the current interval (as of the last event)."""
        return len(self.sent)

    def reserve(
        self,
        now: float,
        *,
        window: float,
        margin: float,
        priority: int = 0,
        waiter: str | None = None,
        grace: float = DEMAND_GRACE,
    ) -> float:
        """Reserve one call now and return 0, or return how long to wait before asking again.

        `waiter` identifies the asking caller across its attempts: told to wait, it is noted
        as waiting (demand), so lower priorities give way to it. Without one, the caller
        yields to others but claims nothing (the window as it was before priorities).
        """
        self._expire(now, window=window, margin=margin, grace=grace)
        claim = self.waiting.get(waiter) if waiter is not None else None
        since = claim.since if claim is not None else now
        starve_after = STARVE_WINDOWS * (window + margin)
        rank = _rank(priority, since, now, starve_after)
        wait = self._wait(now, rank, waiter, starve_after, window=window, margin=margin)
        if wait > 0:
            if waiter is not None:
                self.waiting[waiter] = Claim(priority, now + wait, since)
            return wait
        if waiter is not None:
            self.waiting.pop(waiter, None)
        if self._cap() is not None:
            bisect.insort(self.sent, now)
            self.recent[priority] = now
        return 0.0

    def release(self, priority: int, *, sent_at: float | None = None) -> None:
        """The last caller of `priority` is done: its headroom goes at once instead of
        `window + margin` after its last call, so the priorities below may fill the window.
        With `sent_at` (a caller that cannot count the others), only if no call of that
        priority was sent after its own last one."""
        if sent_at is None or self.recent.get(priority) == sent_at:
            self.recent.pop(priority, None)

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
        """The window as JSON (the shared limiter's row): plain lists and string keys only, so
        a document read back compares equal to the one written."""
        return {
            "limit": self.limit,
            "sent": list(self.sent),
            "blocked_until": self.blocked_until,
            "waiting": {who: list(claim) for who, claim in self.waiting.items()},
            "recent": {str(priority): at for priority, at in self.recent.items()},
        }

    @classmethod
    def from_document(cls, document: dict[str, Any] | None) -> CallWindow:
        """The window saved by `to_document`; unknown keys (another version's) are ignored.

        The window owns its log: changing it never changes `document`, so a caller can tell
        a changed window from the one it read by comparing documents.
        """
        if not document:
            return cls()
        waiting = document.get("waiting") or {}
        recent = document.get("recent") or {}
        return cls(
            limit=document.get("limit"),
            sent=list(document.get("sent") or []),
            blocked_until=document.get("blocked_until") or 0.0,
            waiting={str(who): _claim(entry) for who, entry in waiting.items()},
            recent={int(priority): at for priority, at in recent.items()},
        )

    def _wait(
        self,
        now: float,
        rank: int,
        waiter: str | None,
        starve_after: float,
        *,
        window: float,
        margin: float,
    ) -> float:
        if now < self.blocked_until:
            return self.blocked_until - now
        self.blocked_until = 0.0
        cap = self._cap()
        if cap is None:
            self.sent.clear()
            return 0.0
        ahead = [
            claim.at
            for who, claim in self.waiting.items()
            if who != waiter and _rank(claim.priority, claim.since, now, starve_after) < rank
        ]
        if ahead:
            # Its turn comes first, even if the window has room now (it may be about to wake).
            return max(0.0, min(ahead) - now) + DEMAND_POLL
        allowed = self._allowed(cap, rank)
        if len(self.sent) >= allowed:
            oldest_that_counts = self.sent[len(self.sent) - allowed]
            return max(_MIN_WAIT, oldest_that_counts + window + margin - now)
        return 0.0

    def _allowed(self, cap: int, priority: int) -> int:
        """How much of the window `priority` may fill: all of it, less headroom per present
        priority above it, never less than one share."""
        share = max(1, cap // _HEADROOM_SHARE)
        above = sum(1 for present in self.recent if present < priority)
        return max(share, cap - share * above)

    def _expire(self, now: float, *, window: float, margin: float, grace: float) -> None:
        horizon = now - window - margin
        self._forget_before(horizon)
        self.waiting = {
            who: claim for who, claim in self.waiting.items() if claim.at + grace >= now
        }
        self.recent = {priority: at for priority, at in self.recent.items() if at > horizon}

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


def _rank(priority: int, since: float, now: float, starve_after: float) -> int:
    """A caller's rank now: its priority, raised to `AGED_RANK` once it has starved."""
    return min(priority, AGED_RANK) if now - since >= starve_after else priority


def _claim(entry: list[Any]) -> Claim:
    """A stored claim; one written without `since` counts from when it will ask again."""
    return Claim(int(entry[0]), entry[1], entry[2] if len(entry) > 2 else entry[1])
