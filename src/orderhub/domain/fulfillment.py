"""Fulfillments: proof that some lines of an order shipped."""

from __future__ import annotations

from pydantic import Field

from orderhub.domain.base import HubModel, UtcDatetime
from orderhub.domain.bounds import MAX_ITEMS, MAX_LIST, Code, Identifier, Name, Quantity, Sku, Url

__all__ = ["Fulfillment", "FulfillmentLine"]


class FulfillmentLine(HubModel):
    unique_id: Identifier | None = None
    sku: Sku
    quantity: Quantity = Field(ge=1)


class Fulfillment(HubModel):
    fulfillment_id: Identifier | None = None
    integration: Identifier | None = None
    ext_fulfillment_id: Identifier | None = None
    order_id: Identifier
    ext_order_id: Identifier | None = None
    location_id: Identifier | None = None
    tracking_numbers: list[Code] = Field(default_factory=list, max_length=MAX_LIST)
    tracking_url: Url | None = None
    shipping_carrier: Name | None = None
    shipping_class: Name | None = None
    actual_ship_date: UtcDatetime | None = None
    line_items: list[FulfillmentLine] = Field(max_length=MAX_ITEMS)
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None
