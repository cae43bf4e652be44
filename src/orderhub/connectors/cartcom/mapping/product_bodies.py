"""Hub products back to Cart.com write bodies.

Writes (hub -> Cart.com) cover only the fields the hub owns on each level: on a product `name`,
`description`, `upc`, `price`, `cost`, `retailPrice`, `weight`/`weightUnit`, dimensions and their
unit, `taxable` and `status`; on a variant inventory row `upc`, `weight`, `retailPrice` and
dimensions (its price and name derive from the parent). Images and categories are never written
(Cart.com needs uploads and category ids for those). A hub value of `None` is "not known" and is
never sent, except for the text fields `description`, `upc` and dimensions, which it clears.
Units: `lb`/`oz`/`kg`/`g` are written as `Lbs`/`Oz`/`Kg`/`G`, `in`/`cm`/`ft` as `In`/`Cm`/`Ft`
(the sandbox's `Lbs`/`In`; the other spellings are our inference).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Final

from orderhub.connectors.cartcom.mapping.common import plain_id
from orderhub.connectors.cartcom.mapping.products import CatalogBook
from orderhub.domain.product import Product, ProductStatus

__all__ = [
    "CLEARABLE",
    "PRODUCT_FIELDS",
    "VARIANT_FIELDS",
    "new_product_body",
    "product_body",
    "status_body",
    "variant_body",
    "wire_value",
]

PRODUCT_FIELDS: Final = (
    "name",
    "description",
    "upc",
    "price",
    "cost",
    "retailPrice",
    "weight",
    "weightUnit",
    "height",
    "length",
    "width",
    "dimensionsUnit",
    "taxable",
    "status",
)
"""Wire fields of a hub product written to a Cart.com product (`status` via `status_body`)."""
VARIANT_FIELDS: Final = ("upc", "weight", "retailPrice", "height", "length", "width")
"""Wire fields of a hub child SKU written to its Cart.com variant inventory row."""
CLEARABLE: Final = frozenset({"description", "upc", "height", "length", "width"})
"""Fields whose `None` in the hub clears the value in Cart.com (they are text there)."""

_WEIGHT_OUT: Final = {"lb": "Lbs", "oz": "Oz", "kg": "Kg", "g": "G"}
_SIZE_OUT: Final = {"in": "In", "cm": "Cm", "ft": "Ft"}


def product_body(product: Product, fields: Iterable[str]) -> dict[str, Any]:
    """The Cart.com product fields for these hub wire fields (`status` excluded: `status_body`)."""
    body: dict[str, Any] = {}
    for name in fields:
        value = wire_value(product, name)
        if name == "name" and value is not None:
            body["item_name"] = value
        elif name == "description":
            body["short_description"] = value or ""
        elif name == "upc":
            body["gtin"] = value or ""
        elif name in ("price", "cost", "weight") and value is not None:
            body[name] = value
        elif name == "retailPrice" and value is not None:
            body["retail"] = value
        elif name == "weightUnit" and value in _WEIGHT_OUT:
            body["weight_unit"] = _WEIGHT_OUT[value]
        elif name in ("height", "length", "width"):
            body[name] = _decimal_text(value)
        elif name == "dimensionsUnit" and value in _SIZE_OUT:
            body["size_unit"] = _SIZE_OUT[value]
        elif name == "taxable" and value is not None:
            body["is_non_taxable"] = 0 if value else 1
    return body


def variant_body(product: Product, fields: Iterable[str]) -> dict[str, Any]:
    """The variant inventory row fields for these hub wire fields of a child SKU."""
    body: dict[str, Any] = {}
    for name in fields:
        value = wire_value(product, name)
        if name == "upc":
            body["gtin"] = value or ""
        elif name == "retailPrice" and value is not None:
            body["retail"] = value
        elif name in ("weight", "height", "length", "width") and value is not None:
            body[name] = value
    return body


def status_body(
    active: bool, live: Mapping[str, Any], book: CatalogBook, default_status_id: int | None
) -> dict[str, Any]:
    """What makes a live Cart.com product active (every hiding cause undone) or inactive."""
    if not active:
        return {"is_hidden": 1}
    body: dict[str, Any] = {}
    if live.get("is_hidden") in (True, 1):
        body["is_hidden"] = 0
    if live.get("is_discontinued") in (True, 1):
        body["is_discontinued"] = False
    status_id = plain_id(live.get("product_status_id"))
    flags = book.statuses.get(status_id) if status_id is not None else None
    if flags is not None and flags.is_hidden:
        replacement = default_status_id or book.visible_status_id()
        if replacement is not None:
            body["product_status_id"] = replacement
    return body


def new_product_body(
    product: Product, *, status_id: int | None, category_id: int | None
) -> dict[str, Any]:
    """`POST /products` body for a SKU Cart.com lacks; unset settings are left to Cart.com."""
    fields = [f for f in PRODUCT_FIELDS if f != "status" and wire_value(product, f) is not None]
    body: dict[str, Any] = {"item_number": product.sku, **product_body(product, fields)}
    body.setdefault("item_name", product.name)
    if status_id is not None:
        body["product_status_id"] = status_id
    if category_id is not None:
        body["primary_category_id"] = category_id
    if product.status is ProductStatus.INACTIVE:
        body["is_hidden"] = 1
    return body


def wire_value(product: Product, wire_name: str) -> Any:
    """A hub product's value of one wire field (`retailPrice` → `retail_price`)."""
    return getattr(product, _ATTRIBUTE.get(wire_name, wire_name))


_ATTRIBUTE: Final = {
    "retailPrice": "retail_price",
    "weightUnit": "weight_unit",
    "dimensionsUnit": "dimensions_unit",
    "imageUrls": "image_urls",
    "variantOptions": "variant_options",
}


def _decimal_text(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize(), "f")
