"""Reference data a store serves that rarely changes, kept a few minutes per process.

A store's order statuses, product statuses and option groups cost a call each, and every run
of a flow that needs them used to read them again: on a steel-plan store (5 calls per 10 s) a
fulfillment push spent one of its calls on the statuses. The runner keeps one cache per
process and every run reads through it; an entry is read again after `ttl` (5 minutes), so a
status the merchant adds shows within minutes (a record meanwhile mapped with an unknown status
becomes an exception and is retried).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from orderhub.clock import Clock, SystemClock

__all__ = ["ReferenceCache"]

T = TypeVar("T")


class ReferenceCache:
    """Values by key, each loaded once per `ttl`; safe to share between threads."""

    def __init__(self, clock: Clock | None = None, ttl: timedelta = timedelta(minutes=5)) -> None:
        self._clock: Clock = clock or SystemClock()
        self._ttl = ttl
        self._entries: dict[Hashable, tuple[datetime, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, load: Callable[[], T]) -> T:
        """The value under `key`, loaded (outside the lock) when missing or older than `ttl`."""
        now = self._clock.now()
        with self._lock:
            held = self._entries.get(key)
        if held is not None and now - held[0] < self._ttl:
            value: T = held[1]
            return value
        fresh = load()
        with self._lock:
            self._entries[key] = (now, fresh)
        return fresh

    def forget(self, key: Hashable) -> None:
        """Drop one entry (a run found it out of date)."""
        with self._lock:
            self._entries.pop(key, None)
