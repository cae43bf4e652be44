"""The retry schedule of a record that keeps failing (engine/backoff.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from orderhub.engine.backoff import RETRY_LONGEST_WAIT, next_retry_at

T = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def test_the_wait_doubles_from_30_seconds_after_the_second_failure() -> None:
    waits = [next_retry_at(attempts, T) - T for attempts in range(1, 8)]
    assert waits == [timedelta(seconds=s) for s in (0, 30, 60, 120, 240, 480, 960)]


@given(st.integers(min_value=1, max_value=10**9))
def test_the_wait_never_exceeds_an_hour_and_never_shrinks(attempts: int) -> None:
    wait = next_retry_at(attempts, T) - T
    assert timedelta(0) <= wait <= RETRY_LONGEST_WAIT
    assert next_retry_at(attempts + 1, T) >= next_retry_at(attempts, T)
