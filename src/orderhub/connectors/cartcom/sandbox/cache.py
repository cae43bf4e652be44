"""Server-side GET cache per (token, full URL), like the platform's response cache.

A hit returns the stored (stale) body: a client that forgets `Cache-Control: no-cache` reads
old data, exactly the bug it would have on a real store. A `no-cache` request skips the lookup
and refreshes the entry. Writes do not invalidate entries (the platform's cache does not know
about them either); `reset()` clears everything.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from orderhub.clock import Clock

__all__ = ["CachedResponse", "ResponseCache"]


@dataclass(frozen=True)
class CachedResponse:
    body: bytes
    status: int
    stored_mono: float
    stored_ms: int  # wall clock (epoch ms) when generated: Last-Modified


class ResponseCache:
    def __init__(self, ttl_seconds: float, clock: Clock, max_entries: int = 4096) -> None:
        self.ttl = ttl_seconds
        self.clock = clock
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, str], CachedResponse] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.ttl > 0

    def get(self, token: str, url: str) -> CachedResponse | None:
        if not self.enabled:
            return None
        with self._lock:
            entry = self._entries.get((token, url))
            if entry is None:
                return None
            if self.clock.monotonic() - entry.stored_mono >= self.ttl:
                del self._entries[(token, url)]
                return None
            self._entries.move_to_end((token, url))
            return entry

    def put(self, token: str, url: str, entry: CachedResponse) -> None:
        if not self.enabled:
            return
        with self._lock:
            self._entries[(token, url)] = entry
            self._entries.move_to_end((token, url))
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def remaining(self, entry: CachedResponse) -> float:
        return max(0.0, self.ttl - (self.clock.monotonic() - entry.stored_mono))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
