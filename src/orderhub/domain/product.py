"""Products (simple, parent and child SKUs) with Pipe17's field names."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from orderhub.domain.base import HubModel, Money, UtcDatetime

__all__ = ["Product", "ProductStatus", "ProductType"]


class ProductType(StrEnum):
    SIMPLE = "simple"
    PARENT = "parent"
    CHILD = "child"
    BUNDLE = "bundle"


class ProductStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


class Product(HubModel):
    product_id: str | None = None
    integration: str | None = None
    sku: str
    name: str
    types: list[ProductType] = Field(default_factory=lambda: [ProductType.SIMPLE])
    status: ProductStatus = ProductStatus.ACTIVE
    ext_product_id: str | None = None
    ext_product_api_id: str | None = None
    parent_ext_product_id: str | None = None
    description: str | None = None
    upc: str | None = None
    price: Money | None = None
    cost: Money | None = None
    retail_price: Money | None = None
    weight: Money | None = None
    weight_unit: str | None = None
    height: Money | None = None
    length: Money | None = None
    width: Money | None = None
    dimensions_unit: str | None = None
    image_urls: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    variant_options: list[str] = Field(default_factory=list)
    taxable: bool | None = None
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None
