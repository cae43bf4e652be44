"""Hub inventory to Cart.com stock: the quantity formula and the stock index.

Pure: the flow reads the hub and Cart.com and passes what it read in. The rules:

- **Quantity for Cart.com** (per SKU) = the sum of `available` over the hub locations this
  integration counts, minus the SKU's buffer, floored at 0. `available` may be negative (an
  oversold location): it is summed as it is, so it lowers the total, and only the result is
  floored.
- **Counted locations**: the integration setting `inventoryLocations` (a list of hub location
  ids); without it, every active hub location. An inactive location never counts, even when
  listed: Pipe17's location status decides whether a location takes part in inventory.
- **Buffer**: `inventoryBufferBySku[sku]` when set, else `inventoryBuffer` (0 by default). The
  per-SKU value replaces the global one rather than adding to it, so a merchant can also
  lower the buffer for one SKU.
- **One record per SKU and location**: if two integrations hold a record for the same SKU at
  the same location, the most recently updated one counts (never both).
- **Matching a SKU in Cart.com**: by `item_number`, case-insensitively as Cart.com compares
  strings, among products that keep stock themselves (`use_variant_inventory` false) and
  variant inventory rows. Exactly one match is needed; an exact-case match wins over others
  differing only in case. No match, or a SKU that is a product keeping its stock on its
  variant rows, is "SKU not found in Cart.com"; two rows with the same SKU is ambiguous.
  Non-inventory products (`is_non_inventory`) have no stock to set and are left alone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final, Literal
from urllib.parse import quote_plus

from orderhub.connectors.cartcom.mapping.common import (
    INVALID_RECORD,
    MappingError,
    as_bool,
    as_int,
    as_text,
    plain_id,
)
from orderhub.connectors.cartcom.mapping.inventory_settings import InventoryRules

__all__ = [
    "AMBIGUOUS_SKU",
    "FILTER_VALUE_LIMIT",
    "SKU_NOT_FOUND",
    "StockIndex",
    "StockRow",
    "cartcom_quantity",
    "counted_locations",
    "deciding_locations",
    "filterable_sku",
    "item_number_filters",
    "rules_fingerprint",
    "stock_row_from_product",
    "stock_row_from_variant",
]

SKU_NOT_FOUND: Final = "skuNotFound"
AMBIGUOUS_SKU: Final = "ambiguousSku"
FILTER_VALUE_LIMIT: Final = 1500
"""Longest URL-encoded `item_number=` filter value sent in one request. Cart.com runs on IIS,
whose default query-string limit is 2,048 bytes; this leaves room for the other parameters."""


def counted_locations(
    rules: InventoryRules, locations: Iterable[tuple[str, str | None]]
) -> frozenset[str]:
    """Hub ids of the locations whose `available` counts, from `(hub id, status)` pairs."""
    active = {hub_id for hub_id, status in locations if status != "inactive"}
    if rules.locations is None:
        return frozenset(active)
    return frozenset(hub_id for hub_id in rules.locations if hub_id in active)


def deciding_locations(
    rules: InventoryRules, locations: Iterable[tuple[str, str | None]]
) -> frozenset[str]:
    """The locations whose state, besides the stock records, decides the figures: those that
    could count but do not (inactive ones; listed ones that are inactive or not there yet).

    A location that appears active changes no figure: stock is set only at a location that
    exists, so none can be waiting there, and what is set there later reaches the feed. So a
    new warehouse of one store does not make every other store recompute its stock.
    """
    status = dict(locations)
    if rules.locations is None:
        return frozenset(hub_id for hub_id, state in status.items() if state == "inactive")
    return frozenset(
        hub_id for hub_id in rules.locations if hub_id not in status or status[hub_id] == "inactive"
    )


def cartcom_quantity(
    sku: str,
    records: Iterable[Mapping[str, Any]],
    counted: frozenset[str],
    rules: InventoryRules,
) -> int:
    """The SKU's quantity for Cart.com from its hub inventory records (wire dicts).

    Records need `locationId`, `available` and, to pick between two records of one location,
    `updatedAt` (ISO text or datetime); records of other SKUs are ignored.
    """
    latest: dict[str, tuple[str, int]] = {}
    for record in records:
        if record.get("sku") != sku:
            continue
        location = record.get("locationId")
        if not isinstance(location, str) or location not in counted:
            continue
        available = record.get("available")
        amount = available if isinstance(available, int) and not isinstance(available, bool) else 0
        stamp = _stamp(record.get("updatedAt"))
        if location not in latest or stamp >= latest[location][0]:
            latest[location] = (stamp, amount)
    total = sum(amount for _stamp_, amount in latest.values())
    return max(0, total - rules.buffer_for(sku))


def rules_fingerprint(rules: InventoryRules, counted: frozenset[str]) -> str:
    """A short hash of everything besides the SKU's own records that decides its quantity.

    When it differs from the one the last run saved, every SKU is recomputed: a buffer, the
    location list or a location's status changed. `counted`: the locations whose state
    decides (inventory.push passes `deciding_locations`, so a new active one moves nothing).
    """
    canonical = json.dumps(
        {
            "counted": sorted(counted),
            "listed": sorted(rules.locations) if rules.locations is not None else None,
            "buffer": rules.buffer,
            "bySku": dict(sorted(rules.buffer_by_sku.items())),
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class StockRow:
    """One Cart.com stock holder: a product keeping its own stock, or a variant inventory row."""

    kind: Literal["product", "variant"]
    id: int
    item_number: str
    quantity: int
    product_id: int
    on_variants: bool = False
    """A product whose stock is kept on its variant inventory rows (none of its own)."""
    non_inventory: bool = False
    """A product Cart.com keeps no stock for (`is_non_inventory`)."""

    @property
    def holds_stock(self) -> bool:
        return not (self.on_variants or self.non_inventory)

    @property
    def id_field(self) -> str:
        return "product_id" if self.kind == "product" else "variant_inventory_id"

    def set_body(self, quantity: int) -> dict[str, int]:
        """The `POST /inventory/set` body: by id (never ambiguous), absolute (safe to retry)."""
        return {self.id_field: self.id, "quantity": quantity}

    def describe(self) -> str:
        label = "product" if self.kind == "product" else "variant inventory row"
        return f"{label} {self.id}"


def stock_row_from_product(raw: Mapping[str, Any]) -> StockRow | None:
    """A `/products` row read with `fields=id,item_number,quantity_on_hand,…`; None if no SKU.

    A product with `use_variant_inventory` (when the field was read) keeps no stock itself: it
    is returned with `on_variants`, so a SKU naming it can be told apart from an unknown one.
    """
    product_id = plain_id(raw.get("id"))
    if product_id is None:
        raise MappingError(INVALID_RECORD, f"product has no usable id: {raw.get('id')!r}")
    sku = as_text(raw.get("item_number"), "product.item_number")
    if sku is None:
        return None
    return StockRow(
        kind="product",
        id=product_id,
        item_number=sku,
        quantity=as_int(raw.get("quantity_on_hand"), "product.quantity_on_hand") or 0,
        product_id=product_id,
        on_variants=as_bool(raw.get("use_variant_inventory"), "product.use_variant_inventory"),
        non_inventory=as_bool(raw.get("is_non_inventory"), "product.is_non_inventory"),
    )


def stock_row_from_variant(raw: Mapping[str, Any]) -> StockRow | None:
    """A `/variant_inventory` row read with `fields=id,product_id,item_number,inventory`."""
    row_id = plain_id(raw.get("id"))
    if row_id is None:
        raise MappingError(INVALID_RECORD, f"variant inventory row has no usable id: {raw!r}")
    sku = as_text(raw.get("item_number"), "variant_inventory.item_number")
    if sku is None:
        return None
    return StockRow(
        kind="variant",
        id=row_id,
        item_number=sku,
        quantity=as_int(raw.get("inventory"), "variant_inventory.inventory") or 0,
        product_id=plain_id(raw.get("product_id")) or 0,
    )


class StockIndex:
    """Cart.com stock rows by SKU, as read this run; `lookup` applies the matching rules."""

    def __init__(self, rows: Iterable[StockRow] = ()) -> None:
        self._rows: dict[str, list[StockRow]] = {}
        self.add(rows)

    def __len__(self) -> int:
        return sum(len(rows) for rows in self._rows.values())

    def add(self, rows: Iterable[StockRow]) -> None:
        for row in rows:
            bucket = self._rows.setdefault(row.item_number.casefold(), [])
            if all((kept.kind, kept.id) != (row.kind, row.id) for kept in bucket):
                bucket.append(row)

    def lookup(self, sku: str) -> StockRow | None:
        """The one row holding this SKU's stock; None for a non-inventory product.

        Raises `MappingError` (`skuNotFound` or `ambiguousSku`) with a merchant-readable line.
        """
        candidates = self._rows.get(sku.casefold(), [])
        exact = [row for row in candidates if row.item_number == sku]
        rows = exact if len(exact) == 1 else candidates
        stock = [row for row in rows if row.holds_stock]
        if len(stock) == 1:
            return stock[0]
        if len(stock) > 1:
            holders = ", ".join(row.describe() for row in stock[:5])
            raise MappingError(
                AMBIGUOUS_SKU,
                f"SKU {sku} matches {len(stock)} Cart.com items ({holders}); "
                "give each a distinct item number",
            )
        parent = next((row for row in rows if row.on_variants), None)
        if parent is not None:
            raise MappingError(
                SKU_NOT_FOUND,
                f"SKU not found in Cart.com: {sku} is product {parent.id}, which keeps "
                "its stock on variant inventory rows; set stock on the variant SKUs",
            )
        if rows:
            return None  # a non-inventory product: Cart.com keeps no stock to set
        raise MappingError(
            SKU_NOT_FOUND,
            f"SKU not found in Cart.com: no product or variant inventory row has item number {sku}",
        )

    def update(self, row: StockRow, quantity: int) -> StockRow:
        """Record a quantity just set, so a later page of the same run compares against it."""
        updated = replace(row, quantity=quantity)
        bucket = self._rows.get(row.item_number.casefold(), [])
        self._rows[row.item_number.casefold()] = [
            updated if (kept.kind, kept.id) == (row.kind, row.id) else kept for kept in bucket
        ]
        return updated


def filterable_sku(sku: str) -> bool:
    """Whether a SKU can go into an `item_number=eq:A+OR+eq:B` filter unharmed.

    Whitespace is out: `+` in a URL is a space, and a space is what separates the filter's
    `OR` tokens, so a SKU with one could be split. Such SKUs make the flow read the whole list.
    """
    return bool(sku) and not any(ch.isspace() for ch in sku)


def item_number_filters(skus: Sequence[str], *, limit: int = FILTER_VALUE_LIMIT) -> list[str]:
    """`eq:A OR eq:B …` values for `item_number=`, each at most `limit` characters encoded.

    Given as plain text: the HTTP client encodes the spaces as `+` (Cart.com's `+OR+`) and a
    literal `+` in a SKU as `%2B`.
    """
    values: list[str] = []
    current: list[str] = []
    size = 0
    for sku in skus:
        term = f"eq:{sku}"
        cost = len(quote_plus(term)) + (len("+OR+") if current else 0)
        if current and size + cost > limit:
            values.append(" OR ".join(current))
            current, size = [], 0
            cost = len(quote_plus(term))
        current.append(term)
        size += cost
    if current:
        values.append(" OR ".join(current))
    return values


def _stamp(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return value if isinstance(value, str) else ""
