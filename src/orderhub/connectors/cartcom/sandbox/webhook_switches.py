"""Webhook realism switches: drop, duplicate, delay and reorder a share of deliveries.

Cart.com documents no retries, ordering or delivery guarantee (API-NOTES §11), so a
receiver must survive each of these; the switches let a test make every one of them happen,
repeatably (each delivery draws from an RNG seeded by the store's seed).

- `drop_rate`: the share never sent (the delivery log says `"dropped": true`);
- `duplicate_rate`: the share sent twice;
- `delay_rate` and `delay_seconds`: the share held that long (real time) before sending, so
  later deliveries overtake it;
- `reorder_rate`: the share held back and sent right after the next delivery that is not
  held back itself (or after `reorder_wait_seconds` if none comes): they swap places;
- `include_items`: order bodies carry `items` (`webhook_payloads`).
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import Any

__all__ = ["DeliveryPlan", "WebhookSwitches"]

_RATES = ("drop_rate", "duplicate_rate", "delay_rate", "reorder_rate")
_MAX_DELAY_SECONDS = 600.0


@dataclass(frozen=True)
class DeliveryPlan:
    """What happens to one delivery: dropped, or sent `copies` times after `delay` seconds,
    possibly held back behind the next one."""

    dropped: bool
    copies: int
    delay: float
    hold_back: bool


class WebhookSwitches:
    def __init__(self, seed: int = 1) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(f"{seed}:webhooks")
        self.drop_rate = 0.0
        self.duplicate_rate = 0.0
        self.delay_rate = 0.0
        self.delay_seconds = 2.0
        self.reorder_rate = 0.0
        self.reorder_wait_seconds = 1.0
        self.include_items = False

    def plan(self) -> DeliveryPlan:
        """Draw the fate of one delivery (always four draws, so a run repeats by seed)."""
        with self._lock:
            drop, duplicate, delay, reorder = (self._rng.random() for _ in range(4))
        return DeliveryPlan(
            dropped=drop < self.drop_rate,
            copies=2 if duplicate < self.duplicate_rate else 1,
            delay=self.delay_seconds if delay < self.delay_rate else 0.0,
            hold_back=reorder < self.reorder_rate,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "drop_rate": self.drop_rate,
            "duplicate_rate": self.duplicate_rate,
            "delay_rate": self.delay_rate,
            "delay_seconds": self.delay_seconds,
            "reorder_rate": self.reorder_rate,
            "reorder_wait_seconds": self.reorder_wait_seconds,
            "include_items": self.include_items,
        }

    def update(self, changes: dict[str, Any]) -> None:
        """Apply the named switches; an unknown name or a value out of range is a ValueError."""
        unknown = sorted(set(changes) - set(self.to_dict()) - {"seed"})
        if unknown:
            raise ValueError(f"unknown webhook switch(es): {', '.join(unknown)}")
        for name in _RATES:
            if name in changes:
                rate = float(changes[name])
                if not 0.0 <= rate <= 1.0:
                    raise ValueError(f"{name} must be between 0 and 1")
                setattr(self, name, rate)
        for name in ("delay_seconds", "reorder_wait_seconds"):
            if name in changes:
                seconds = float(changes[name])
                if not 0.0 <= seconds <= _MAX_DELAY_SECONDS:
                    raise ValueError(f"{name} must be between 0 and {_MAX_DELAY_SECONDS:.0f}")
                setattr(self, name, seconds)
        if "include_items" in changes:
            value = changes["include_items"]
            if not isinstance(value, bool):
                raise ValueError("include_items must be true or false")
            self.include_items = value
        if "seed" in changes:
            with self._lock:
                self._rng = random.Random(f"{int(changes['seed'])}:webhooks")
