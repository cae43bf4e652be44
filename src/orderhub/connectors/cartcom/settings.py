"""The integration settings of a Cart.com store (products.push's catalogs, status, category)."""

from __future__ import annotations

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
)
"""Declared here, read by the flows through the integration's settings."""
