"""Reference data is read once per few minutes per process, not once per run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from orderhub.clock import FakeClock
from orderhub.engine.reference_cache import ReferenceCache


def test_a_value_is_loaded_once_then_again_after_its_time() -> None:
    clock = FakeClock(datetime(2026, 12, 3, tzinfo=UTC))
    cache = ReferenceCache(clock, ttl=timedelta(minutes=5))
    loads: list[int] = []

    def load() -> int:
        loads.append(1)
        return len(loads)

    assert [cache.get("statuses", load) for _ in range(3)] == [1, 1, 1]
    clock.advance(299)
    assert cache.get("statuses", load) == 1
    clock.advance(1)
    assert cache.get("statuses", load) == 2  # five minutes on: read again
    assert cache.get("other", load) == 3  # each key its own
    cache.forget("statuses")
    assert cache.get("statuses", load) == 4
