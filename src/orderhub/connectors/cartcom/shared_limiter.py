"""One store's call budget shared by every process that calls it, kept in the hub's database.

Cart.com's limit is per store, not per client: three workers each pacing themselves to the
limit would together send three times too many calls and collect 429s. So, when processes
share stores, the window (`CallWindow`) lives in one `call_budgets` row per store, read and
changed under a row lock, on the database server's clock. Each call costs one short
transaction (the reservation, which also writes what the previous answer taught): about half a
millisecond on a local PostgreSQL, against a Cart.com call of 100 ms or more.

A caller that must wait sleeps outside any transaction and asks again: the wait is computed
from the shared window, so callers in different processes wake for the same window end.

Priorities work across processes the same way: a caller told to wait is noted in the row with
its priority and the time it will ask again, in the same transaction that refused it, and a
lower caller in any process gives way to it until it got its call (or its claim expired: a
worker killed while waiting holds nobody up for long). Still one transaction per attempt.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from orderhub.clock import Clock, Sleep, SystemClock
from orderhub.connectors.cartcom.call_window import DEFAULT_MARGIN, WINDOW_SECONDS, CallWindow
from orderhub.connectors.cartcom.rate_headers import (
    CALL_LIMIT_HEADER,
    header_value,
    parse_call_limit,
)
from orderhub.connectors.cartcom.ratelimit import rank, waiter_id
from orderhub.connectors.cartcom.store_url import store_key
from orderhub.engine.priority import UNRANKED, CallPriority
from orderhub.store import call_budgets
from orderhub.store.database import Database

__all__ = [
    "BUDGET_KEY_PREFIX",
    "BudgetReading",
    "SharedCallLimiter",
    "budget_key",
    "shared_budget_for",
]

BUDGET_KEY_PREFIX = "cartcom:"
_MAX_READABLE_KEY = 200  # the column holds 255 characters

_log = logging.getLogger(__name__)


def budget_key(api_url: str) -> str:
    """The `call_budgets` key of one Cart.com store (readable; a digest if the URL is long)."""
    key = store_key(api_url)
    if len(key) > _MAX_READABLE_KEY:
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return BUDGET_KEY_PREFIX + key


@dataclass(frozen=True)
class BudgetReading:
    """A store's shared call budget at one moment, for people (the portal, monitoring)."""

    limit: int | None
    """Calls allowed per window (None until Cart.com said; 1,000 or more: unlimited)."""
    recent_calls: int
    """Calls OrderHub (any process) sent in the last window."""
    window_seconds: float
    held_for: float
    """Seconds every caller still waits after a 429 (0: none)."""


class SharedCallLimiter:
    """The `CallBudget` of one store, shared through the database by every process."""

    def __init__(
        self,
        db: Database,
        api_url: str,
        *,
        sleep: Sleep | None = None,
        window: float = WINDOW_SECONDS,
        margin: float = DEFAULT_MARGIN,
        priorities: bool = True,
    ) -> None:
        self._db = db
        self.key = budget_key(api_url)
        self._sleep: Sleep = sleep if sleep is not None else time.sleep
        self._window = window
        self._margin = margin
        self._priorities = priorities
        self._lock = threading.Lock()
        self._known_limit: int | None = None
        """The limit the shared record held at our last look."""
        self._pending: tuple[int, int, float] | None = None
        """(used, limit, arrival on the monotonic clock) of an answer not yet written."""
        self._last_sent: dict[int, tuple[float, float]] = {}
        """Rank -> (server time of this limiter's last call at it, when on the monotonic
        clock): what `release` drops, unless a call of that rank came after it."""

    def reading(self) -> BudgetReading | None:
        """How the store's budget stands now (None before any call was paced through it)."""
        with self._db.read_session() as session:
            document = call_budgets.get_budget(session, self.key)
            if document is None:
                return None
            now = call_budgets.server_epoch(session)
        state = CallWindow.from_document(document)
        return BudgetReading(
            limit=state.limit,
            recent_calls=sum(1 for sent in state.sent if sent > now - self._window),
            window_seconds=self._window,
            held_for=max(0.0, state.blocked_until - now),
        )

    def before_call(
        self, *, sleep: Sleep | None = None, priority: CallPriority = UNRANKED
    ) -> float:
        """Wait until a call may be sent, reserve it, and return the seconds waited.

        While it waits, lower priorities in every process give way to it.
        """
        do_sleep = sleep if sleep is not None else self._sleep
        level = rank(priority, enabled=self._priorities)
        waiter = waiter_id()
        waited = 0.0
        while True:
            pending = self._take_pending()
            with self._changing() as (state, now):
                if pending is not None:
                    used, limit, arrived = pending
                    at = now - max(0.0, time.monotonic() - arrived)
                    state.observe(used, limit, at, window=self._window, margin=self._margin)
                wait = state.reserve(
                    now,
                    window=self._window,
                    margin=self._margin,
                    priority=level,
                    waiter=waiter,
                )
            with self._lock:
                self._known_limit = state.limit
                if wait <= 0 and level in state.recent:
                    self._last_sent[level] = (state.recent[level], time.monotonic())
            if wait <= 0:
                return waited
            _log.debug("shared call budget of %s spent; waiting %.2fs", self.key, wait)
            do_sleep(wait)
            waited += wait

    def after_response(
        self, headers: Mapping[str, str] | httpx.Headers, now: float | None = None
    ) -> None:
        """Learn the limit, and any other client's calls, from an answer.

        What an answer teaches is written with this limiter's next reservation (one
        transaction per call instead of two), timed back to its arrival on the server's
        clock; at once only when it changes the limit the shared record holds.
        """
        parsed = parse_call_limit(header_value(headers, CALL_LIMIT_HEADER))
        if parsed is None:
            return
        used, limit = parsed
        with self._lock:
            if limit == self._known_limit:
                if self._pending is None or used >= self._pending[0]:
                    self._pending = (used, limit, time.monotonic())
                return
        with self._changing() as (state, server_now):
            state.observe(used, limit, server_now, window=self._window, margin=self._margin)
        with self._lock:
            self._known_limit = state.limit

    def _take_pending(self) -> tuple[int, int, float] | None:
        with self._lock:
            pending, self._pending = self._pending, None
            return pending

    def hold(self, priority: CallPriority) -> None:
        """Nothing to note: one shared limiter serves one client (`shared_budget_for`)."""

    def release(self, priority: CallPriority) -> None:
        """Drop this client's headroom from the shared window, unless another caller of its
        rank (any process) sent a call since, or it has lapsed anyway: one transaction, only
        after a paced call of the last `window + margin`."""
        level = rank(priority, enabled=self._priorities)
        with self._lock:
            last = self._last_sent.pop(level, None)
        if last is None or time.monotonic() - last[1] > self._window + self._margin:
            return
        with self._changing() as (state, _now):
            state.release(level, sent_at=last[0])

    def on_rate_limited(self, retry_after_seconds: float | None) -> None:
        """A 429 arrived: hold every caller, in every process, until `Retry-After` has passed."""
        with self._changing() as (state, now):
            state.rate_limited(retry_after_seconds, now, window=self._window, margin=self._margin)

    @contextmanager
    def _changing(self) -> Iterator[tuple[CallWindow, float]]:
        """The shared window under its row lock, and the server's time; saved if changed."""
        with self._db.session() as session:
            document, now = call_budgets.lock_budget(session, self.key)
            state = CallWindow.from_document(document)
            yield state, now
            if state.to_document() != document:
                call_budgets.save_budget(session, self.key, state.to_document(), now)


def shared_budget_for(
    db: Database, api_url: str, *, shared: bool, clock: Clock, sleep: Sleep | None = None
) -> SharedCallLimiter | None:
    """The store's budget in the database when processes share stores (`shared`); None, and
    the client keeps its own, otherwise — and on a test clock, as a shared window is measured
    on real time."""
    if not shared or not isinstance(clock, SystemClock):
        return None
    return SharedCallLimiter(db, api_url, sleep=sleep)
