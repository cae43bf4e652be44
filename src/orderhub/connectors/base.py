"""What a connector gives the hub: the one interface the hub uses outside a connector's folder.

A connector links one kind of store to the hub. The services, the CLI, the
API and the portal know a connector only through `Connector`: its name, the flows it
registers, how it reads a store URL, its connection test (which names each missing
permission in the store's own words, with the flows it blocks), its call budget, its
integration settings, and — when the store has them — its webhooks
(`orderhub.connectors.webhooks`) and its completeness checks
(`orderhub.connectors.completeness`). `orderhub.connectors.registry` finds a connector by the
`kind` an integration records.

Errors, ordered like every connector's own tree (each draws its own in its `errors.py`)::

    HubError (orderhub.errors: one line for the merchant)
    └── ConnectorError        a store's call failed; each connector's errors sit below
        ├── AccessRefused     the store refused the token or a permission a step needed
        └── (each connector's own tree)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from orderhub.errors import HubError, UsageError

if TYPE_CHECKING:
    import httpx

    from orderhub.clock import Clock, Sleep
    from orderhub.connectors.completeness import CompletenessSupport
    from orderhub.connectors.settings import SettingSpec
    from orderhub.connectors.status_map import StatusMap
    from orderhub.connectors.webhooks import WebhookSupport
    from orderhub.domain import ConnectionReport, FlowName, Integration
    from orderhub.engine.registry import FlowRegistry
    from orderhub.hub import Hub
    from orderhub.monitor.metrics import CallSeen, HubMetrics
    from orderhub.store.database import Database

__all__ = [
    "PERMISSIONS_STEP",
    "AccessRefused",
    "BudgetReading",
    "CallPlans",
    "Connector",
    "ConnectorError",
    "InvalidStoreUrl",
    "PermissionInfo",
    "StoreAccess",
]


class ConnectorError(HubError):
    """Base of every connector's errors; `str()` is one line for a merchant."""

    summary: ClassVar[str] = "The store's request failed"
    failure_scope: ClassVar[str] = "transient"
    """Whose failure it is when it happens on one record (`orderhub.engine.record_failures`)."""


class AccessRefused(ConnectorError):
    """The store refused the token or a permission the step needed (a hook raises it)."""

    summary = "The store refused the API token or a permission"
    failure_scope = "store"


class InvalidStoreUrl(UsageError):
    """A store URL the connector cannot use; the message says what to type instead."""


@dataclass(frozen=True)
class PermissionInfo:
    """One permission a connection test probes, in the store's own words, and what it unlocks."""

    label: str
    flows: tuple[FlowName, ...]


PERMISSIONS_STEP = "{permissions}"
"""In `Connector.key_steps`: the step where the merchant ticks the permissions (the Connect
page lists them there, from `Connector.permissions`)."""


@dataclass(frozen=True)
class CallPlans:
    """How a store's reported call limit reads on the dashboard: the window it counts in, the
    plan each limit belongs to, and the limit from which the store means "no limit"."""

    window_seconds: int
    plans: Mapping[int, str] = field(default_factory=dict)
    no_limit_from: int | None = None

    def plan_of(self, limit: int) -> str | None:
        """The store's plan of that limit, or None for a limit no plan has."""
        return self.plans.get(limit)

    def unlimited(self, limit: int) -> bool:
        return self.no_limit_from is not None and limit >= self.no_limit_from


class BudgetReading(Protocol):
    """A store's call budget at one moment, shared by every process (the integration page)."""

    @property
    def limit(self) -> int | None:
        """Calls allowed per window (None: the store set no limit, or has not said yet)."""

    @property
    def recent_calls(self) -> int: ...

    @property
    def window_seconds(self) -> float: ...

    @property
    def held_for(self) -> float: ...


@dataclass(frozen=True)
class StoreAccess:
    """What a connector needs to call one store for the hub: its URL and token, the HTTP client
    (None: the connector makes and closes its own), the clock, and where budgets and counts go."""

    api_url: str
    token: str
    db: Database
    clock: Clock
    shares_call_budgets: bool = False
    http: httpx.Client | None = None
    metrics: HubMetrics | None = None
    sleep: Sleep | None = None

    @classmethod
    def for_hub(
        cls,
        hub: Hub,
        api_url: str,
        token: str,
        *,
        integration: Integration | None = None,
        http: httpx.Client | None = None,
        sleep: Sleep | None = None,
    ) -> StoreAccess:
        """Access through the hub: `http` if given, else the hub's factory for `integration`."""
        if http is None and integration is not None and hub.http_factory is not None:
            http = hub.http_factory(integration)
        return cls(
            api_url=api_url,
            token=token,
            db=hub.db,
            clock=hub.clock,
            shares_call_budgets=hub.shares_call_budgets,
            http=http,
            metrics=hub.metrics,
            sleep=sleep,
        )


class Connector(ABC):
    """One kind of store. Subclasses declare the class attributes and implement the methods.

    Everything the hub shows about a store — names, URL examples, permission words — comes
    from here, so a second connector needs no change outside its own folder.
    """

    kind: ClassVar[str]
    """What an integration records as its connector (a short lower-case name): never changes."""
    display_name: ClassVar[str]
    """The store platform as a merchant knows it: every page and message names it so."""
    description: ClassVar[str] = ""
    """What the platform is, a sentence or two for the Add Integration page."""
    aliases: ClassVar[frozenset[str]] = frozenset()
    """Other names `orderhub integrations add NAME` accepts (lower case)."""
    url_example: ClassVar[str] = "https://store.example.com"
    key_help: ClassVar[str] = "the store's API token"
    """Where the merchant finds the key, completing "Paste …"."""
    key_steps: ClassVar[tuple[str, ...]] = ()
    """How to make a key in the store's admin, one step each, shown on the Connect page as HTML
    (a constant of the connector, never store data); `PERMISSIONS_STEP` is where the permissions
    the connection test probes are listed."""
    call_plans: ClassVar[CallPlans | None] = None
    """How the store's reported call limit reads (None: it reports none)."""
    reason_words: ClassVar[Mapping[str, str]] = {}
    """Words for the exception codes only this connector's flows record (the hub's own table,
    `orderhub.services.exception_views.REASON_WORDS`, has the rest); `{store}` is the store
    platform's name."""
    webhooks: WebhookSupport | None = None
    """The store's webhooks, or None: its flows only poll."""
    completeness: CompletenessSupport | None = None
    """Completeness checks of its pull flows (`integrations verify`), or None."""

    @abstractmethod
    def register_flows(self, registry: FlowRegistry) -> None:
        """Register the flows this connector runs (under its `kind`)."""

    @abstractmethod
    def normalize_url(self, api_url: str) -> str:
        """The store URL as the connector calls it, or `InvalidStoreUrl` saying why not."""

    @abstractmethod
    def check_connection(self, access: StoreAccess) -> ConnectionReport:
        """The Connect button's test: `connected` when the store took the token, each missing
        permission a failed check naming the flows it blocks. Never raises for the store."""

    def settings(self) -> tuple[SettingSpec, ...]:
        """The integration settings a merchant may change (`services.integration_settings`)."""
        return ()

    def order_status_map(
        self, settings: Mapping[str, Any], orders_cursor: Mapping[str, Any] | None
    ) -> StatusMap | None:
        """What each store order status becomes in the hub, from what the orders pull kept in
        its cursor (`orders_cursor`) and the integration's `settings`; None: the connector
        has no store statuses to show."""
        return None

    def location_map(self, settings: Mapping[str, Any]) -> Mapping[str, str]:
        """The integration's location mapping from its `settings`: a store location's external
        id -> the hub location id that stands for it (none: every store location the pull
        brings is a hub location of its own). An unreadable stored value reads as none."""
        return {}

    def connection_failures(self) -> tuple[str, ...]:
        """How a run's error starts when the store refused the token or a permission (alerts)."""
        return (AccessRefused.summary,)

    def key_refused(self, report: ConnectionReport) -> bool:
        """Whether a failed test is the key's fault (else the URL's or the store's)."""
        return False

    def permissions(self) -> Sequence[PermissionInfo]:
        """The permissions the connection test probes, for the Connect page's steps."""
        return ()

    def store_key(self, api_url: str) -> str:
        """One store's name in metrics and budgets (the same store whatever the URL's spelling)."""
        return api_url.strip().rstrip("/").lower()

    def call_observer(self, access: StoreAccess) -> Callable[[CallSeen], None] | None:
        """A client's `on_call` that counts into the hub's metrics (None: not counting)."""
        if access.metrics is None:
            return None
        return access.metrics.call_observer(self.kind, self.store_key(access.api_url))

    def budget(self, db: Database, api_url: str) -> BudgetReading | None:
        """The store's shared call budget now (None: no shared budget, or nothing read yet)."""
        return None

    def default_name(self, api_url: str) -> str:
        """An integration's name when the merchant gives none."""
        return f"{self.display_name} {api_url}".strip()
