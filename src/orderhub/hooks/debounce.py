"""How long after a delivery its flow becomes due: short when the store was quiet, longer
while deliveries keep coming.

A change arrives as several deliveries within milliseconds (NewOrder, OrderPlaced,
NewValidOrder, PaymentProcessed for one order), and a list read right after a write may not
show it yet: a short wait (`quiet`) gathers them into one run and lets the change settle. A
burst (a bulk import, a sale) is a stream of deliveries for seconds: each run it triggers
reads everything changed so far, so while deliveries keep coming (the previous one less than
`busy_window` ago) a longer wait (`busy`) lets each run take a bigger bite — a few runs per
burst instead of one every half second — and costs latency only while the store is busy.
Since a trigger only ever moves a flow earlier (`store.flows.mark_due`), the first delivery's
wait sets the time and the rest of its burst rides along.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["Debounce"]


@dataclass(frozen=True)
class Debounce:
    quiet: float = 0.5
    busy: float = 2.0
    busy_window: float = 2.0

    def __post_init__(self) -> None:
        if min(self.quiet, self.busy, self.busy_window) < 0:
            raise ValueError("debounce times must not be negative")

    @classmethod
    def none(cls) -> Debounce:
        """Due at once (tests that step the scheduler themselves)."""
        return cls(quiet=0.0, busy=0.0, busy_window=0.0)

    def delay(self, previous_delivery: datetime | None, now: datetime) -> timedelta:
        """The wait before a delivery received at `now` makes its flow due."""
        busy = previous_delivery is not None and now - previous_delivery <= timedelta(
            seconds=self.busy_window
        )
        return timedelta(seconds=self.busy if busy else self.quiet)
