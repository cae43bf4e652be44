"""The hub's object graph, built once per process by a factory (no import-time state)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from orderhub.clock import Clock, SystemClock
from orderhub.engine.registry import FlowRegistry
from orderhub.secret_key import choose_secret_key
from orderhub.secrets import SecretBox
from orderhub.settings import Settings
from orderhub.store.database import Database
from orderhub.verified_keys import VerifiedKeys

if TYPE_CHECKING:
    import httpx

    from orderhub.connectors.registry import ConnectorRegistry
    from orderhub.domain import Integration
    from orderhub.engine.runner import FlowRunner
    from orderhub.monitor.metrics import HubMetrics

__all__ = ["Hub", "build_hub", "default_connectors", "default_registry"]


def default_connectors() -> ConnectorRegistry:
    """The connectors a hub knows (`orderhub.connectors.registry`), imported when first built."""
    from orderhub.connectors.registry import default_connectors as found

    return found()


def default_registry(connectors: ConnectorRegistry | None = None) -> FlowRegistry:
    """Every connector's flows; their code is imported when the registry is first read."""

    def load(registry: FlowRegistry) -> None:
        (connectors or default_connectors()).register_flows(registry)

    return FlowRegistry(load=load)


@dataclass
class Hub:
    settings: Settings
    db: Database
    box: SecretBox
    registry: FlowRegistry
    clock: Clock = field(default_factory=SystemClock)
    http_factory: Callable[[Integration], httpx.Client] | None = None
    """The HTTP client for calls to an integration's store (flow runs, webhook subscriptions);
    None: a new client per use. Tests inject the sandbox in process; the caller closes it."""
    metrics: HubMetrics | None = None
    """This process's Prometheus counters, once `orderhub.monitor.app.enable_metrics` made
    them (serve, worker, demo); None: nothing is counted (one-off commands)."""
    verified_keys: VerifiedKeys[Any] = field(default_factory=VerifiedKeys)
    """API keys this process verified in the last second (`orderhub.services.apikeys`)."""
    connectors: ConnectorRegistry = field(default_factory=default_connectors)
    """The connectors this hub knows (`registry` holds their flows); found by an
    integration's `connector`."""

    @property
    def shares_call_budgets(self) -> bool:
        """Whether stores' call budgets live in the database (other processes call them too)."""
        return self.settings.shares_call_budgets(self.db.engine.dialect.name)

    def runner(self) -> FlowRunner:
        from orderhub.engine.runner import FlowRunner

        return FlowRunner(
            self.db,
            self.box,
            self.registry,
            clock=self.clock,
            http_factory=self.http_factory,
            share_call_budgets=self.shares_call_budgets,
            metrics=self.metrics,
        )

    def close(self) -> None:
        self.db.dispose()


def build_hub(settings: Settings | None = None, *, migrate: bool = True) -> Hub:
    """Settings from the environment unless given; the schema is upgraded unless told not to.

    Without a secret key one is made, unless the database holds tokens encrypted with the
    missing one: then `MissingSecretKeyError` (one line) instead of a hub that cannot sync.
    """
    settings = settings or Settings.from_env()
    db = Database.from_url(settings.database_url, migrate=migrate)
    try:
        settings = choose_secret_key(settings, db)
    except BaseException:
        db.dispose()
        raise
    connectors = default_connectors()  # cheap: each connector imports its code when used
    return Hub(
        settings=settings,
        db=db,
        box=SecretBox(settings.secret_key),
        registry=default_registry(connectors),
        connectors=connectors,
    )
