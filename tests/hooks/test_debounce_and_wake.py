"""The debounce waits briefly after a quiet spell and longer in a burst; the scheduler is
woken once, at the earliest due time."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from orderhub.domain import FlowName
from orderhub.hooks import Debounce, SchedulerWake

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("previous", "seconds"),
    [(None, 0.5), (NOW - timedelta(seconds=30), 0.5), (NOW - timedelta(seconds=1), 2.0)],
)
def test_the_wait_is_short_after_quiet_and_longer_in_a_burst(
    previous: datetime | None, seconds: float
) -> None:
    assert Debounce().delay(previous, NOW) == timedelta(seconds=seconds)
    assert Debounce.none().delay(previous, NOW) == timedelta(0)
    with pytest.raises(ValueError, match="negative"):
        Debounce(quiet=-1)


class _Scheduler:
    def __init__(self) -> None:
        self.woken: list[float] = []
        self.event = threading.Event()

    def wake(self) -> None:
        self.woken.append(time.monotonic())
        self.event.set()


def test_one_wake_at_the_earliest_due_time() -> None:
    scheduler = _Scheduler()
    wake = SchedulerWake(scheduler)  # type: ignore[arg-type]
    started = time.monotonic()
    wake("i", [FlowName.ORDERS_PULL], 5.0)
    wake("i", [FlowName.PRODUCTS_PULL], 0.05)  # earlier: replaces the first
    wake("i", [FlowName.ORDERS_PULL], 3.0)  # later: the earlier wake covers it
    assert scheduler.event.wait(2)
    time.sleep(0.2)
    assert len(scheduler.woken) == 1
    assert scheduler.woken[0] - started < 1.0
    wake.close()
