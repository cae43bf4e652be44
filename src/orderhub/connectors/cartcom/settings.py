"""The integration settings of a Cart.com store (products.push's catalogs, status, category;
orders.pull's skipped statuses and status mapping)."""

from __future__ import annotations

from orderhub.connectors.cartcom.flows.order_status_settings import (
    MAP_SETTING,
    SKIP_SETTING,
    parse_map,
    parse_skip,
    show_map,
    show_skip,
)
from orderhub.connectors.cartcom.flows.product_push_settings import (
    CATALOG_SCOPES,
    CATALOG_SETTING,
    CATEGORY_SETTING,
    STATUS_SETTING,
)
from orderhub.connectors.settings import SettingSpec, choice, whole_number

__all__ = ["SETTINGS"]


_store_id = whole_number(1, 2**31 - 1, "a Cart.com id: a whole number from 1 to 2147483647")


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec(
        CATALOG_SETTING,
        "Catalogs products.push may write",
        "own: only products made or changed in OrderHub (including this store's own "
        "products repriced there); shared: also every other connected store's products.",
        choice(*CATALOG_SCOPES),
        default=CATALOG_SCOPES[0],
        choices=CATALOG_SCOPES,
    ),
    SettingSpec(
        STATUS_SETTING,
        "Status of products created by products.push",
        "The Cart.com product status id given to a SKU that products.push creates.",
        _store_id,
    ),
    SettingSpec(
        CATEGORY_SETTING,
        "Category of products created by products.push",
        "The Cart.com category id (primary_category_id) given to a SKU products.push creates.",
        _store_id,
    ),
    # --- orders.pull: which store statuses it brings in, and how they map -----------------
    SettingSpec(
        SKIP_SETTING,
        "Order statuses orders.pull leaves out",
        "Store order statuses (names or ids, separated by commas, e.g. Quote, Declined) whose "
        "new orders are not brought into OrderHub. An order OrderHub already holds is still "
        "updated when it moves into one (a cancellation still arrives); an order that moves "
        "out of one comes in then. Applies from the next orders pull; orders already in "
        "OrderHub stay. Empty: every status is pulled.",
        parse_skip,
        show=show_skip,
    ),
    SettingSpec(
        MAP_SETTING,
        "Order status mapping (overrides)",
        "STORE STATUS=HUB STATUS, separated by commas (e.g. Backordered=onHold, Awaiting "
        "Pickup=readyForFulfillment): the hub status orders in those store statuses get, "
        "instead of the one the status's flags give. Hub statuses: new, onHold, "
        "readyForFulfillment, partialFulfillment, fulfilled, canceled, refunded, closed. "
        "Applies to orders the next orders pull reads (new or changed ones); to re-map the "
        "orders OrderHub holds, backfill orders.pull.",
        parse_map,
        show=show_map,
    ),
)
"""Declared here, read by the flows through the integration's settings."""
