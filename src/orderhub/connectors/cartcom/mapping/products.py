"""Cart.com products to hub products.

Pure: the caller fetches products with `variants`, `variant_inventory`, `categories` and
`pictures` expanded, plus the store's `product_statuses` and `variant_groups` (a `CatalogBook`),
and passes them in. Decisions a reader of the hub should know:

- A product without variant inventory rows is one `simple` SKU (`item_number`). With rows, it is a
  `parent` (its own `item_number`) plus one `child` per row (the row's `item_number`), whatever
  `use_variant_inventory` says: the rows are what can be sold.
- Hub ids: a parent/simple is keyed by the Cart.com product id (`"15"`); a child by product id and
  variant inventory id (`"15-19"`), with `parentExtProductId` `"15"`. `extProductApiId` is the
  record's API path (`products/15`, `variant_inventory/19`).
- `inactive` when the product is hidden (`is_hidden` 1), discontinued, or its status is flagged
  `is_hidden` (e.g. "Discontinued"). A status that is only `is_unavailable` ("Out of Stock") is a
  stock condition, not a catalog one: the SKU stays `active`. A child is inactive when its parent is
  or its own row's status is flagged hidden.
- A child's price is the parent's plus its option values' `price_adjustment`s ("+ dollars",
  "+ percent"); when a row's options cannot be matched to the product's variants the price is left
  unknown rather than guessed. Cost, description, categories and taxability come from the parent;
  GTIN, weight, retail and dimensions from the row (a row's 0 weight, retail or dimension means
  "as the parent"). The name is "<parent name> - <row description>".
- `description` is `short_description`, else `long_description_1`. `height`/`length`/`width` are
  strings in Cart.com (`""` = unset); text that is not a number is dropped, not an error.
- Image paths relative to the store become absolute on the store's origin.
- An empty `item_number` (product or row) cannot become a hub SKU: the whole product fails with
  `missingSku`, so a family never arrives half.

Units are read case-insensitively (`Lbs`, `lb`, `pounds` … → `lb`). Hub products back to Cart.com
write bodies: product_bodies.py; which changed fields to write: product_plan.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Final

from orderhub.connectors.cartcom.mapping.common import (
    INVALID_RECORD,
    MISSING_SKU,
    UNKNOWN_STATUS,
    MappingError,
    as_bool,
    as_int,
    as_mapping,
    as_money,
    as_optional_list,
    as_text,
    as_time,
    build_model,
    foreign_key,
    plain_id,
)
from orderhub.domain.product import Product, ProductStatus, ProductType

__all__ = [
    "CatalogBook",
    "StatusFlags",
    "child_ext_id",
    "map_product",
    "product_ext_id",
]

NO_SKU_MESSAGE: Final = "Product has no item number (SKU) in Cart.com"

_WEIGHT_IN: Final = {
    **dict.fromkeys(("lb", "lbs", "pound", "pounds"), "lb"),
    **dict.fromkeys(("oz", "ounce", "ounces"), "oz"),
    **dict.fromkeys(("kg", "kgs", "kilogram", "kilograms"), "kg"),
    **dict.fromkeys(("g", "gr", "gram", "grams"), "g"),
}
_SIZE_IN: Final = {
    **dict.fromkeys(("in", "inch", "inches"), "in"),
    **dict.fromkeys(("cm", "centimeter", "centimeters"), "cm"),
    **dict.fromkeys(("ft", "foot", "feet"), "ft"),
}
_CENT: Final = Decimal("0.0001")


@dataclass(frozen=True)
class StatusFlags:
    name: str
    is_hidden: bool
    is_unavailable: bool


@dataclass(frozen=True)
class CatalogBook:
    """What mapping a product needs besides the product: statuses, option groups, store origin."""

    statuses: Mapping[int, StatusFlags] = field(default_factory=dict)
    group_names: Mapping[int, str] = field(default_factory=dict)
    store_url: str = ""
    """The store's origin (`https://shop.example.com`) that relative image paths hang off."""

    @classmethod
    def from_records(
        cls,
        statuses: Iterable[Mapping[str, Any]],
        groups: Iterable[Mapping[str, Any]] = (),
        *,
        store_url: str = "",
    ) -> CatalogBook:
        """Lenient: a malformed status or group row is skipped (it then reads as unknown)."""
        book: dict[int, StatusFlags] = {}
        for row in statuses:
            sid = plain_id(row.get("id"))
            if sid is not None:
                book[sid] = StatusFlags(
                    name=str(row.get("name") or ""),
                    is_hidden=row.get("is_hidden") in (True, 1),
                    is_unavailable=row.get("is_unavailable") in (True, 1),
                )
        names = {
            gid: str(row.get("name") or "")
            for row in groups
            if (gid := plain_id(row.get("id"))) is not None
        }
        return cls(book, names, store_url.rstrip("/"))

    def hides(self, status_id: int | None, where: str) -> bool:
        """Whether a status id makes the SKU inactive; an unknown id is `unknownStatus`."""
        if status_id is None:
            return False
        flags = self.statuses.get(status_id)
        if flags is None:
            raise MappingError(
                UNKNOWN_STATUS, f"{where} {status_id} is not one of the store's product statuses"
            )
        return flags.is_hidden

    def visible_status_id(self) -> int | None:
        """The first status that neither hides nor makes unavailable (to re-activate a SKU)."""
        for sid in sorted(self.statuses):
            flags = self.statuses[sid]
            if not flags.is_hidden and not flags.is_unavailable:
                return sid
        return None


def product_ext_id(product_id: int) -> str:
    return str(product_id)


def child_ext_id(product_id: int, variant_inventory_id: int) -> str:
    return f"{product_id}-{variant_inventory_id}"


# --- Cart.com -> hub --------------------------------------------------------------------------


def map_product(raw: object, book: CatalogBook) -> list[Product]:
    """One Cart.com product as hub products: `[simple]`, or `[parent, child, …]`."""
    product = as_mapping(raw, "product")
    pid = plain_id(product.get("id"))
    if pid is None:
        raise MappingError(INVALID_RECORD, f"product id must be a positive integer: {raw!r:.40}")
    where = f"product {pid}"
    sku = as_text(product.get("item_number"), "item_number")
    if sku is None:
        raise MappingError(MISSING_SKU, NO_SKU_MESSAGE)
    name = as_text(product.get("item_name"), "item_name")
    if name is None:
        raise MappingError(INVALID_RECORD, "Product has no name (item_name) in Cart.com")
    rows = [
        as_mapping(r, "variant_inventory[]")
        for r in as_optional_list(product.get("variant_inventory"), "variant_inventory") or []
    ]
    inactive = (
        as_bool(product.get("is_hidden"), "is_hidden")
        or as_bool(product.get("is_discontinued"), "is_discontinued")
        or book.hides(
            foreign_key(product.get("product_status_id"), "product_status_id"),
            "product_status_id",
        )
    )
    images = _images(product.get("pictures"), book.store_url)
    weight_unit = _unit(product.get("weight_unit"), "weight_unit", _WEIGHT_IN)
    size_unit = _unit(product.get("size_unit"), "size_unit", _SIZE_IN)
    dims = {k: _dimension(product.get(k), k) for k in ("height", "length", "width")}
    shared: dict[str, Any] = {
        "description": as_text(product.get("short_description"), "short_description")
        or as_text(product.get("long_description_1"), "long_description_1"),
        "cost": as_money(product.get("cost"), "cost"),
        "categories": _categories(product.get("categories")),
        "taxable": not as_bool(product.get("is_non_taxable"), "is_non_taxable"),
        "weight_unit": weight_unit,
        "dimensions_unit": size_unit,
    }
    options = [_options(row) for row in rows]
    parent = build_model(
        Product,
        where,
        sku=sku,
        name=name,
        types=[ProductType.PARENT if rows else ProductType.SIMPLE],
        status=ProductStatus.INACTIVE if inactive else ProductStatus.ACTIVE,
        ext_product_id=product_ext_id(pid),
        ext_product_api_id=f"products/{pid}",
        upc=as_text(product.get("gtin"), "gtin"),
        price=as_money(product.get("price"), "price"),
        retail_price=as_money(product.get("retail"), "retail"),
        weight=as_money(product.get("weight"), "weight"),
        image_urls=images,
        variant_options=_unique(o.split(": ", 1)[0] for opts in options for o in opts),
        created_at=as_time(product.get("created_at"), "created_at"),
        updated_at=as_time(product.get("updated_at"), "updated_at"),
        **dims,
        **shared,
    )
    children = [
        _child(row, opts, product, parent, book, shared)
        for row, opts in zip(rows, options, strict=True)
    ]
    return [parent, *children]


def _child(
    row: Mapping[str, Any],
    options: list[str],
    product: Mapping[str, Any],
    parent: Product,
    book: CatalogBook,
    shared: Mapping[str, Any],
) -> Product:
    pid = int(parent.ext_product_id or 0)
    vid = plain_id(row.get("id"))
    if vid is None:
        raise MappingError(INVALID_RECORD, f"product {pid}: a variant inventory row has no id")
    where = f"variant inventory row {vid}"
    sku = as_text(row.get("item_number"), f"{where} item_number")
    if sku is None:
        raise MappingError(MISSING_SKU, f"{NO_SKU_MESSAGE} (variant inventory row {vid})")
    hidden = book.hides(
        foreign_key(row.get("product_status_id"), f"{where} product_status_id"),
        f"{where} product_status_id",
    )
    label = as_text(row.get("description"), f"{where} description")
    image = as_text(row.get("variant_inventory_image"), f"{where} variant_inventory_image")
    dims = {
        k: _positive(_dimension(row.get(k), f"{where} {k}")) or getattr(parent, k)
        for k in ("height", "length", "width")
    }
    return build_model(
        Product,
        where,
        sku=sku,
        name=f"{parent.name} - {label}" if label else parent.name,
        types=[ProductType.CHILD],
        status=ProductStatus.INACTIVE
        if hidden or parent.status is ProductStatus.INACTIVE
        else ProductStatus.ACTIVE,
        ext_product_id=child_ext_id(pid, vid),
        ext_product_api_id=f"variant_inventory/{vid}",
        parent_ext_product_id=parent.ext_product_id,
        upc=as_text(row.get("gtin"), f"{where} gtin"),
        price=_child_price(parent.price, row, options, product, book),
        retail_price=_positive(as_money(row.get("retail"), f"{where} retail"))
        or parent.retail_price,
        weight=_positive(as_money(row.get("weight"), f"{where} weight")) or parent.weight,
        image_urls=[_absolute(image, book.store_url)] if image else parent.image_urls,
        variant_options=options,
        created_at=as_time(row.get("created_at"), f"{where} created_at"),
        updated_at=as_time(row.get("updated_at"), f"{where} updated_at"),
        **dims,
        **shared,
    )


def _options(row: Mapping[str, Any]) -> list[str]:
    """`"Color: Red, Size: Large"` -> `["Color: Red", "Size: Large"]`."""
    text = as_text(row.get("description"), "variant inventory description") or ""
    return [part.strip() for part in text.split(", ") if part.strip()]


def _child_price(
    base: Decimal | None,
    row: Mapping[str, Any],
    options: Sequence[str],
    product: Mapping[str, Any],
    book: CatalogBook,
) -> Decimal | None:
    if base is None:
        return None
    variants = [
        v
        for v in as_optional_list(product.get("variants"), "variants") or []
        if isinstance(v, Mapping)
    ]
    chosen = _row_variants(row, options, variants, book)
    if chosen is None:
        return None
    price = base
    for variant in chosen:
        amount = as_money(variant.get("price_adjustment"), "price_adjustment") or Decimal(0)
        kind = str(variant.get("price_adjustment_type") or "").strip().lower()
        sign = -1 if kind.startswith("-") else 1
        if not amount:
            continue
        if kind in ("", "+ dollars", "- dollars"):
            price += sign * amount
        elif kind in ("+ percent", "- percent"):
            price += (sign * base * amount / 100).quantize(_CENT, ROUND_HALF_UP)
        else:
            return None  # an adjustment we cannot evaluate: no price rather than a wrong one
    return price


def _row_variants(
    row: Mapping[str, Any],
    options: Sequence[str],
    variants: Sequence[Mapping[str, Any]],
    book: CatalogBook,
) -> list[Mapping[str, Any]] | None:
    """The product variants (option values) a row combines, or None if they cannot be told."""
    nested = [v for v in row.get("variants") or [] if isinstance(v, Mapping)]
    if nested:  # rows read from /variant_inventory with `expand=variants` name them
        by_id = {plain_id(v.get("id")): v for v in variants}
        return [by_id.get(plain_id(v.get("id"))) or v for v in nested]
    chosen: list[Mapping[str, Any]] = []
    for option in options:
        group, _, value = option.rpartition(": ")
        matches = [
            v
            for v in variants
            if str(v.get("description") or "").casefold() == value.casefold()
            and _in_group(v, group, book)
        ]
        if len(matches) != 1:
            return None
        chosen.append(matches[0])
    return chosen


def _in_group(variant: Mapping[str, Any], group: str, book: CatalogBook) -> bool:
    """Whether an option value belongs to the named group (unknown groups do not exclude)."""
    name = book.group_names.get(plain_id(variant.get("variant_group_id")) or 0)
    return not group or name is None or name.casefold() == group.casefold()


def _images(value: object, store_url: str) -> list[str]:
    pictures = [p for p in as_optional_list(value, "pictures") or [] if isinstance(p, Mapping)]
    visible = [p for p in pictures if p.get("is_hidden") not in (True, 1)]
    visible.sort(
        key=lambda p: (
            p.get("is_primary") not in (True, 1),
            as_int(p.get("sort_order"), "pictures sort_order") or 0,
            plain_id(p.get("id")) or 0,
        )
    )
    paths = (as_text(p.get("image_file"), "pictures image_file") for p in visible)
    return _unique(_absolute(path, store_url) for path in paths if path)


def _absolute(path: str, store_url: str) -> str:
    if path.lower().startswith(("http://", "https://")) or not store_url:
        return path
    return f"{store_url}/{path.lstrip('/')}"


def _categories(value: object) -> list[str]:
    entries = [c for c in as_optional_list(value, "categories") or [] if isinstance(c, Mapping)]
    entries.sort(key=lambda c: c.get("is_primary") not in (True, 1))
    names = (
        as_text(c.get("name"), "categories name")
        or str(plain_id(c.get("category_id")) or plain_id(c.get("id")) or "")
        for c in entries
    )
    return _unique(n for n in names if n)


def _unit(value: object, field_name: str, table: Mapping[str, str]) -> str | None:
    text = as_text(value, field_name)
    return table.get(text.lower().rstrip(".")) if text else None


def _dimension(value: object, field_name: str) -> Decimal | None:
    """A dimension: Cart.com keeps products' as strings (`""` unset), variant rows' as numbers."""
    if isinstance(value, str):
        try:
            number = Decimal(value.strip()) if value.strip() else None
        except InvalidOperation:
            return None  # known_issues.md: these columns hold odd text; drop, don't fail
        return number if number is not None and number.is_finite() else None
    return as_money(value, field_name, error=INVALID_RECORD)


def _positive(value: Decimal | None) -> Decimal | None:
    return value if value is not None and value > 0 else None


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
