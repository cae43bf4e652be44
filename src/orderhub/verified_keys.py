"""Keys this process has verified lately, so a busy API does not read the database per call.

Entries are keyed by the key's SHA-256 digest (the plaintext is never kept) and live for a
second: a key revoked in this process is forgotten at once (`forget_all`); revoked in
another one (the CLI, another worker), it stops working within that second. Only keys
found valid are kept, and at most `max_entries` of them, so a client trying random keys
neither fills the cache nor gets a cached answer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["VerifiedKeys"]

T = TypeVar("T")


class VerifiedKeys(Generic[T]):
    def __init__(
        self,
        *,
        ttl: float = 1.0,
        max_entries: int = 1024,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, T]] = {}

    def get(self, digest: str) -> T | None:
        with self._lock:
            entry = self._entries.get(digest)
            if entry is None:
                return None
            if self._monotonic() >= entry[0]:
                del self._entries[digest]
                return None
            return entry[1]

    def put(self, digest: str, value: T) -> None:
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()  # rare (that many live keys): start over
            self._entries[digest] = (self._monotonic() + self.ttl, value)

    def forget_all(self) -> None:
        with self._lock:
            self._entries.clear()
