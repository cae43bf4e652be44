"""Inside a driver: what one timed section cost on both sides of the wire.

A `Meter` snapshots, before and after the section: the wall clock, this process's CPU time,
the sandbox process's CPU time (`/proc/<pid>/stat`), the sandbox's call log
(`GET /_sandbox/calls`, which is not itself counted) and this process's RSS. The machine's
busy CPU time (`/proc/stat`) gives, by difference, what other processes took meanwhile: on a
shared machine that is what makes a wall-clock figure noisy. A `StatusCounter` is an httpx
response hook that counts answers by HTTP status, since the sandbox's call log counts requests
per endpoint but not per status (so 429s are counted here, on the client).
"""

from __future__ import annotations

import resource
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from orderhub_bench.procs import cpu_seconds, machine_cpu_seconds, peak_rss_mb, rss_mb

__all__ = ["Measurement", "Meter", "StatusCounter"]


class StatusCounter:
    """Counts responses by status; pass `.hook` in `httpx.Client(event_hooks=…)`."""

    def __init__(self) -> None:
        self.by_status: Counter[int] = Counter()

    def hook(self, response: httpx.Response) -> None:
        self.by_status[response.status_code] += 1

    def snapshot(self) -> dict[str, int]:
        return {str(k): v for k, v in sorted(self.by_status.items())}


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Measurement:
    """Deltas over one timed section; filled in when the section ends."""

    wall_seconds: float = 0.0
    hub_cpu_seconds: float = 0.0
    sandbox_cpu_seconds: float = 0.0
    others_cpu_seconds: float = 0.0  # the rest of the machine: other processes' load
    calls: int = 0
    calls_by_endpoint: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    rss_before_mb: float = 0.0
    rss_after_mb: float = 0.0
    peak_rss_mb: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Meter:
    def __init__(self, store_url: str, sandbox_pid: int) -> None:
        self._calls_url = store_url.rstrip("/") + "/_sandbox/calls"
        self._sandbox_pid = sandbox_pid

    def calls(self) -> dict[str, Any]:
        """The sandbox's cumulative call log."""
        answer = httpx.get(self._calls_url, timeout=10.0)
        answer.raise_for_status()
        log: dict[str, Any] = answer.json()
        return log

    @contextmanager
    def section(self, statuses: StatusCounter | None = None) -> Iterator[Measurement]:
        """Measure the body of the `with`; the yielded object is complete after it."""
        out = Measurement(rss_before_mb=rss_mb())
        before_calls = self.calls()
        before_status = Counter(statuses.by_status) if statuses else Counter()
        sandbox_before = cpu_seconds(self._sandbox_pid)
        machine_before = machine_cpu_seconds()
        cpu_before = _own_cpu()
        started = time.perf_counter()
        yield out
        out.wall_seconds = time.perf_counter() - started
        out.hub_cpu_seconds = _own_cpu() - cpu_before
        out.sandbox_cpu_seconds = cpu_seconds(self._sandbox_pid) - sandbox_before
        machine = machine_cpu_seconds() - machine_before
        out.others_cpu_seconds = max(0.0, machine - out.hub_cpu_seconds - out.sandbox_cpu_seconds)
        after_calls = self.calls()
        out.calls = int(after_calls["total"]) - int(before_calls["total"])
        before_by = before_calls.get("byEndpoint", {})
        out.calls_by_endpoint = {
            name: count - int(before_by.get(name, 0))
            for name, count in after_calls.get("byEndpoint", {}).items()
            if count - int(before_by.get(name, 0))
        }
        if statuses is not None:
            delta = statuses.by_status - before_status
            out.statuses = {str(k): v for k, v in sorted(delta.items())}
        out.rss_after_mb = rss_mb()
        out.peak_rss_mb = peak_rss_mb()
