"""Integrations, their six flows, and what a connection test found."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field

from orderhub.domain.base import HubModel, UtcDatetime

__all__ = [
    "ConnectionCheck",
    "ConnectionReport",
    "FlowName",
    "FlowSetting",
    "Integration",
    "IntegrationStatus",
    "IntegrationWebhooks",
    "SubscriptionCheck",
    "WebhookFlowHealth",
    "WebhookMode",
]


class FlowName(StrEnum):
    ORDERS_PULL = "orders.pull"
    PRODUCTS_PULL = "products.pull"
    PRODUCTS_PUSH = "products.push"
    INVENTORY_PUSH = "inventory.push"
    FULFILLMENTS_PUSH = "fulfillments.push"
    LOCATIONS_PULL = "locations.pull"

    @property
    def label(self) -> str:
        return _TITLES[self]


_TITLES = {
    FlowName.ORDERS_PULL: "Pull orders",
    FlowName.PRODUCTS_PULL: "Pull products",
    FlowName.PRODUCTS_PUSH: "Push products",
    FlowName.INVENTORY_PUSH: "Push inventory",
    FlowName.FULFILLMENTS_PUSH: "Push fulfillments",
    FlowName.LOCATIONS_PULL: "Pull locations",
}


class IntegrationStatus(StrEnum):
    NOT_CONFIGURED = "notConfigured"
    CONNECTED = "connected"
    ERROR = "error"
    DISABLED = "disabled"


class FlowSetting(HubModel):
    flow: FlowName
    enabled: bool = False
    enabled_at: UtcDatetime | None = None
    interval_seconds: int = 60
    max_interval_seconds: int = 900
    """A pull flow's longest wait while the store is quiet (its polling setting)."""
    available: bool = True
    last_run_at: UtcDatetime | None = None
    last_error: str | None = None


class WebhookMode(StrEnum):
    ON = "on"
    """The hub has a public URL: the store's webhooks make the pull flows due at once."""
    POLLING_ONLY = "pollingOnly"
    """No public URL: the store cannot reach the hub, so the flows poll on their interval."""


class SubscriptionCheck(HubModel):
    """The last look at an integration's webhook subscriptions in its store, and what it repaired.

    `missing` and `foreign` are what the look found (foreign: subscriptions to this
    integration's hook path with a stale secret or an old public URL); `created` and `deleted`
    what it did about them; `ok`: afterwards every wanted subscription is in place.
    """

    checked_at: UtcDatetime
    ok: bool
    message: str
    url: str | None = None
    """The delivery URL with its secret masked."""
    subscribed: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)
    foreign: list[str] = Field(default_factory=list)
    created: int = 0
    deleted: int = 0
    missing_permission: str | None = None
    """In the store's words, when the token may not manage webhooks."""


class WebhookFlowHealth(HubModel):
    """One pull flow's webhooks: the last delivery, and whether polls find what they missed."""

    flow: FlowName
    expected: bool = False
    last_delivery_at: UtcDatetime | None = None
    last_poll_at: UtcDatetime | None = None
    last_poll_changed: int = 0
    last_poll_unannounced: int = 0
    looks_broken: bool = False
    broken_since: UtcDatetime | None = None


class IntegrationWebhooks(HubModel):
    """What the hub knows of an integration's webhooks (its page, the API)."""

    mode: WebhookMode
    message: str
    url: str | None = None
    """The delivery URL with its secret masked; None without a public URL or a secret yet."""
    subscriptions: SubscriptionCheck | None = None
    flows: list[WebhookFlowHealth] = Field(default_factory=list)
    looks_broken: bool = False


class Integration(HubModel):
    """A connected store; its API token is kept encrypted by the store, never in this model."""

    integration_id: str
    connector: str
    """The kind of its connector (`orderhub.connectors.registry`)."""
    name: str
    api_url: str
    api_key_hint: str | None = None
    status: IntegrationStatus = IntegrationStatus.NOT_CONFIGURED
    status_message: str | None = None
    enabled_at: UtcDatetime | None = None
    settings: dict[str, Any] = Field(default_factory=dict)
    flows: list[FlowSetting] = Field(default_factory=list)
    webhooks: IntegrationWebhooks | None = None
    """Filled where it is shown (the API, the portal); the store leaves it None."""
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None


class ConnectionCheck(HubModel):
    """One line of a connection test: a resource probed, and what it means for the flows."""

    ok: bool
    message: str
    permission: str | None = None
    blocked_flows: list[FlowName] = Field(default_factory=list)


class ConnectionReport(HubModel):
    """`connected`: the store answered and took the token; `ok`: and no permission is missing."""

    ok: bool
    connected: bool = False
    summary: str
    checks: list[ConnectionCheck] = Field(default_factory=list)
    store_name: str | None = None
    webhooks: SubscriptionCheck | None = None
    """The webhook subscriptions the test checked and repaired (None: not checked)."""
