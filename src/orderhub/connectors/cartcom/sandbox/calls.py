"""The call log behind `GET /_sandbox/calls`: cumulative counts since start, per endpoint.

Every request under /api/v1 counts, whatever its answer (cached, 401, 429, 500), so tests and
benchmarks see exactly what a client sent; `byStatus` counts the answers by HTTP status (how
many calls a client wasted on 429s, say). `reset()` of the store does not zero it (DESIGN.md:
callers subtract before from after).
"""

from __future__ import annotations

import re
import threading
from typing import Any

__all__ = ["CallLog", "endpoint_template"]

_NUMBER = re.compile(r"^\d+$")


def endpoint_template(method: str, path: str) -> str:
    """`GET /orders/100123/items.json` -> `GET /orders/{id}/items`."""
    if path.endswith(".json"):
        path = path[: -len(".json")]
    parts = [p for p in path.split("/") if p]
    shaped = ["{id}" if _NUMBER.match(p) else p for p in parts]
    return f"{method.upper()} /" + "/".join(shaped)


class CallLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._total = 0
        self._by_endpoint: dict[str, int] = {}
        self._by_status: dict[str, int] = {}

    def record(self, endpoint: str) -> None:
        with self._lock:
            self._total += 1
            self._by_endpoint[endpoint] = self._by_endpoint.get(endpoint, 0) + 1

    def answered(self, status: int) -> None:
        key = str(status)
        with self._lock:
            self._by_status[key] = self._by_status.get(key, 0) + 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "total": self._total,
                "byEndpoint": dict(sorted(self._by_endpoint.items())),
                "byStatus": dict(sorted(self._by_status.items())),
            }
