"""Fulfillments: proof that some lines of an order shipped."""

from __future__ import annotations

from pydantic import Field

from orderhub.domain.base import HubModel, UtcDatetime

__all__ = ["Fulfillment", "FulfillmentLine"]


class FulfillmentLine(HubModel):
    unique_id: str | None = None
    sku: str
    quantity: int = Field(ge=1)


class Fulfillment(HubModel):
    fulfillment_id: str | None = None
    integration: str | None = None
    ext_fulfillment_id: str | None = None
    order_id: str
    ext_order_id: str | None = None
    location_id: str | None = None
    tracking_numbers: list[str] = Field(default_factory=list)
    tracking_url: str | None = None
    shipping_carrier: str | None = None
    shipping_class: str | None = None
    actual_ship_date: UtcDatetime | None = None
    line_items: list[FulfillmentLine]
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None
