"""`Sandbox`: a seeded Cart.com store with its API app, tokens, limits, cache and switches."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.applications import Starlette

from orderhub.clock import Clock, SystemClock

from .answers import Answers
from .app import build_app
from .auth import Tokens
from .cache import ResponseCache
from .calls import CallLog
from .config import SandboxConfig
from .datastore import DataStore
from .faults import Faults
from .inventory import inventory_route
from .inventory_settings import InventorySettings
from .parts import SpecialRoute
from .ratelimit import RateLimiter
from .realism import Realism
from .resources import RESOURCES
from .resources_catalog import CATALOG_RESOURCES
from .resources_reference import REFERENCE_RESOURCES
from .seed import seed_store
from .stock import StockKeeper
from .timefmt import datetime_to_ms, grid_ms
from .webhooks import WebhookDispatcher

__all__ = ["Sandbox"]


class Sandbox:
    """A simulated Cart.com store. Build it, then serve `app` (see `serve_sandbox`)."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        cfg = self.config
        self.clock: Clock = cfg.clock or SystemClock()
        start = cfg.start or self.clock.now()
        self.start_ms = grid_ms(datetime_to_ms(start))
        self.store = DataStore(
            self.clock, cfg.seed, {**RESOURCES, **CATALOG_RESOURCES, **REFERENCE_RESOURCES}
        )
        self.store.face.set(zone=cfg.timezone)  # before seeding: date-only fields are local
        seed_store(
            self.store,
            seed=cfg.seed,
            orders=cfg.orders,
            products=cfg.products,
            customers=cfg.customers,
            start_ms=self.start_ms,
            variety=cfg.variety,
        )
        self.tokens = Tokens(cfg.token)
        self.limiter = RateLimiter(cfg.plan, self.clock, cfg.rate_window_seconds)
        self.cache = ResponseCache(cfg.cache_ttl_seconds, self.clock)
        self.call_log = CallLog()
        self.faults = Faults(cfg.seed)
        self.realism = Realism(self.store, cfg.seed)
        self.inventory_settings = InventorySettings()
        self.stock = StockKeeper(self.store, self.inventory_settings)
        self.webhooks = WebhookDispatcher(self.store, seed=cfg.seed)
        self.special_routes: dict[str, SpecialRoute] = {"inventory": inventory_route}
        self.app: Starlette = build_app(self)

    @property
    def answers(self) -> Answers:
        """The store's answers to the docs' open questions (`answers.py`, docs/sandbox.md)."""
        return self.store.answers

    @property
    def full_token(self) -> str:
        """The token with every scope."""
        return self.tokens.full_token

    def mint_token(self, scopes: Iterable[str]) -> str:
        """A new token with exactly these scopes (e.g. `["read_orders", "read_people"]`)."""
        return self.tokens.mint(scopes)

    def calls(self) -> dict[str, Any]:
        """`{"total": n, "byEndpoint": {"GET /orders": n, …}, "byStatus": {"200": n, …}}`,
        cumulative since start."""
        return self.call_log.snapshot()

    def set_plan(self, plan: str) -> None:
        """Change the store's plan (its call limit) from now on, as an upgrade would."""
        self.limiter = RateLimiter(plan, self.clock, self.config.rate_window_seconds)

    def reset(self) -> None:
        """Back to the seeded data, empty GET cache, default inventory settings.

        The call log, tokens, fault and realism switches and the webhook delivery log stay.
        """
        self.store.reset()
        self.cache.clear()
        self.inventory_settings.reset()
