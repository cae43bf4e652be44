"""Fault injection: 500s, slow answers, connection resets, truncated or malformed JSON.

By rate (each API call draws from a seeded RNG, so a run is repeatable), by schedule
(`fail_next(n, kind, endpoint)`: the next n calls, optionally only those to one endpoint
template such as "GET /orders"), or by record (`poison(record_id, endpoint)`: every call that
touches that record, until cleared; `poison.py` says what "touches" means). Scheduled faults
win over rates; a poisoned record fails whatever the others do.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

__all__ = ["FAULT_KINDS", "Faults", "Poison"]

FAULT_KINDS = ("500", "slow", "reset", "truncated", "malformed", "429")
_ALIASES = {"error_500": "500", "error": "500", "timeout": "slow", "rate_limit": "429"}
_RATES = (
    ("error_500_rate", "500"),
    ("slow_rate", "slow"),
    ("reset_rate", "reset"),
    ("truncated_rate", "truncated"),
    ("malformed_rate", "malformed"),
)


def _kind(kind: str) -> str:
    normal = _ALIASES.get(kind, kind)
    if normal not in FAULT_KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; one of {', '.join(FAULT_KINDS)}")
    return normal


@dataclass(frozen=True)
class Poison:
    """Every call to `endpoint` (any endpoint if None) touching `record_id` fails with `kind`."""

    record_id: int
    endpoint: str | None = None
    kind: str = "500"


@dataclass
class _Scheduled:
    kind: str
    endpoint: str | None
    remaining: int


class Faults:
    """Mutable switches; safe to change from any thread while the server runs."""

    def __init__(self, seed: int = 1) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(f"{seed}:faults")
        self._scheduled: deque[_Scheduled] = deque()
        self.error_500_rate = 0.0
        self.slow_rate = 0.0
        self.slow_seconds = 5.0
        self.reset_rate = 0.0
        self.truncated_rate = 0.0
        self.malformed_rate = 0.0
        self.injected: dict[str, int] = {}
        self._poisons: list[Poison] = []

    def fail_next(self, n: int, kind: str, endpoint: str | None = None) -> None:
        """Make the next `n` matching API calls fail with `kind`."""
        with self._lock:
            self._scheduled.append(_Scheduled(_kind(kind), endpoint, n))

    def poison(self, record_id: int, endpoint: str | None = None, kind: str = "500") -> None:
        """Make every call to `endpoint` that touches `record_id` fail with `kind`."""
        with self._lock:
            self._poisons.append(Poison(int(record_id), endpoint, _kind(kind)))

    def poisoned(self, endpoint: str, record_ids: set[int]) -> str | None:
        """The fault of a poisoned record among `record_ids` for this call, if any."""
        if not record_ids:
            return None
        with self._lock:
            for item in self._poisons:
                if item.record_id in record_ids and item.endpoint in (None, endpoint):
                    self.injected[item.kind] = self.injected.get(item.kind, 0) + 1
                    return item.kind
        return None

    def clear(self) -> None:
        with self._lock:
            self._scheduled.clear()
            self._poisons.clear()
            for name, _ in _RATES:
                setattr(self, name, 0.0)

    def pick(self, endpoint: str) -> str | None:
        """The fault for this call, if any."""
        with self._lock:
            for item in self._scheduled:
                if item.remaining > 0 and (item.endpoint is None or item.endpoint == endpoint):
                    item.remaining -= 1
                    kind = item.kind
                    break
            else:
                kind = None
                for attr, name in _RATES:
                    rate = float(getattr(self, attr))
                    if rate > 0 and self._rng.random() < rate:
                        kind = name
                        break
            while self._scheduled and self._scheduled[0].remaining <= 0:
                self._scheduled.popleft()
            if kind is not None:
                self.injected[kind] = self.injected.get(kind, 0) + 1
            return kind

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                **{name: getattr(self, name) for name, _ in _RATES},
                "slow_seconds": self.slow_seconds,
                "scheduled": [
                    {"kind": s.kind, "endpoint": s.endpoint, "remaining": s.remaining}
                    for s in self._scheduled
                ],
                "poisoned": [
                    {"record_id": p.record_id, "endpoint": p.endpoint, "kind": p.kind}
                    for p in self._poisons
                ],
                "injected": dict(self.injected),
            }

    def update(self, changes: dict[str, Any]) -> None:
        """Apply a control-endpoint body: rates, `slow_seconds`, `fail_next`, `clear`."""
        if changes.get("clear"):
            self.clear()
        for name, _ in _RATES:
            if name in changes:
                value = float(changes[name])
                if not 0.0 <= value <= 1.0:
                    raise ValueError(f"{name} must be between 0 and 1")
                setattr(self, name, value)
        if "slow_seconds" in changes:
            self.slow_seconds = max(0.0, float(changes["slow_seconds"]))
        nxt = changes.get("fail_next")
        if nxt is not None:
            if not isinstance(nxt, dict):
                raise ValueError("fail_next must be an object {n, kind, endpoint?}")
            self.fail_next(int(nxt.get("n", 1)), str(nxt.get("kind", "500")), nxt.get("endpoint"))
        poison = changes.get("poison")
        if poison is not None:
            if not isinstance(poison, dict) or "record_id" not in poison:
                raise ValueError("poison must be an object {record_id, endpoint?, kind?}")
            self.poison(
                int(poison["record_id"]), poison.get("endpoint"), str(poison.get("kind", "500"))
            )
