"""Sandbox settings: size of the seeded store, plan, token, cache TTL, clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from orderhub.clock import Clock

from .ratelimit import DEFAULT_PLAN

__all__ = ["SandboxConfig"]


@dataclass
class SandboxConfig:
    """How to build a sandbox store.

    `start` is where the seeded 90-day history ends (default: the clock's now). `token` fixes
    the full-scope token (None: a random one). `max_page_size` caps `count` (larger values are
    clamped, not refused). `cache_ttl_seconds` 0 disables the GET cache.
    """

    seed: int = 1
    orders: int = 5000
    products: int = 200
    customers: int | None = None
    plan: str = DEFAULT_PLAN
    """steel | bronze | silver | gold | unlimited; steel (ratelimit.DEFAULT_PLAN) unless asked."""
    rate_window_seconds: float = 10.0
    """Cart.com's call window is 10 s; tests of pacing shorten it to run in seconds."""
    token: str | None = None
    cache_ttl_seconds: float = 30.0
    max_page_size: int = 250
    clock: Clock | None = None
    start: datetime | None = None
    variety: bool = False
    """Seed the merchant-specific shapes too (kits, gift certificates, non-inventory, hidden and
    discontinued products, per-line ship-tos, VIP customers: `variety.py`); off keeps counts."""
    timezone: str = "America/Chicago"
    """The store's time zone (IANA): its timestamps' offsets, naive values' reading; also a
    switch at run time (`sb.answers`, docs/sandbox.md)."""
