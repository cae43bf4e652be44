"""Live activity for the demo: new orders keep arriving and existing ones move along.

A daemon thread places orders at about `orders_per_minute` (Poisson-ish spacing) and, between
them, changes existing orders the way a merchant's staff would: status changes through the
status endpoint's rules, captured payments, shipments with tracking numbers, and product
edits when the store has a catalog.
"""

from __future__ import annotations

import random
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .sandbox import Sandbox

__all__ = ["start_live_activity"]


def start_live_activity(
    sb: Sandbox, *, orders_per_minute: float = 30, stop: threading.Event, ships: bool = True
) -> threading.Thread:
    """Start the activity thread; set `stop` to end it (`ships=False`: the store never ships)."""
    from .activity import Activity

    activity = Activity(sb, random.Random(f"{sb.config.seed}:live-activity"), ships=ships)
    interval = 60.0 / max(orders_per_minute, 0.1)

    def run() -> None:
        while not stop.is_set():
            activity.step()
            if stop.wait(activity.rng.expovariate(1.0 / interval) / 2):
                return

    thread = threading.Thread(target=run, name="cartcom-sandbox-live", daemon=True)
    thread.start()
    return thread
