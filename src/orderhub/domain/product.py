"""Products (simple, parent and child SKUs) with Pipe17's field names."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from orderhub.domain.base import HubModel, UtcDatetime
from orderhub.domain.bounds import (
    MAX_LIST,
    Code,
    Identifier,
    LongText,
    Name,
    NonNegativeMoney,
    Sku,
    Text,
    Url,
)

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
    product_id: Identifier | None = None
    integration: Identifier | None = None
    sku: Sku
    name: Name
    types: list[ProductType] = Field(default_factory=lambda: [ProductType.SIMPLE], max_length=4)
    status: ProductStatus = ProductStatus.ACTIVE
    ext_product_id: Identifier | None = None
    ext_product_api_id: Identifier | None = None
    parent_ext_product_id: Identifier | None = None
    description: LongText | None = None
    upc: Code | None = None
    price: NonNegativeMoney | None = None
    cost: NonNegativeMoney | None = None
    retail_price: NonNegativeMoney | None = None
    weight: NonNegativeMoney | None = None
    weight_unit: Code | None = None
    height: NonNegativeMoney | None = None
    length: NonNegativeMoney | None = None
    width: NonNegativeMoney | None = None
    dimensions_unit: Code | None = None
    image_urls: list[Url] = Field(default_factory=list, max_length=MAX_LIST)
    categories: list[Name] = Field(default_factory=list, max_length=MAX_LIST)
    variant_options: list[Text] = Field(default_factory=list, max_length=MAX_LIST)
    taxable: bool | None = None
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None
