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
    FlowName.ORDERS_PULL: "Pull orders from Cart.com",
    FlowName.PRODUCTS_PULL: "Pull products from Cart.com",
    FlowName.PRODUCTS_PUSH: "Push products to Cart.com",
    FlowName.INVENTORY_PUSH: "Push inventory to Cart.com",
    FlowName.FULFILLMENTS_PUSH: "Push fulfillments to Cart.com",
    FlowName.LOCATIONS_PULL: "Pull locations from Cart.com",
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
    available: bool = True
    last_run_at: UtcDatetime | None = None
    last_error: str | None = None


class Integration(HubModel):
    """A connected store; its API token is kept encrypted by the store, never in this model."""

    integration_id: str
    connector: str = "cartcom"
    name: str
    api_url: str
    api_key_hint: str | None = None
    status: IntegrationStatus = IntegrationStatus.NOT_CONFIGURED
    status_message: str | None = None
    enabled_at: UtcDatetime | None = None
    settings: dict[str, Any] = Field(default_factory=dict)
    flows: list[FlowSetting] = Field(default_factory=list)
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
