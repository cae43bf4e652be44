"""The integration settings of a Cart.com store (products.push's catalogs, status, category,
field owners; inventory.push's buffers and counted locations)."""

from __future__ import annotations

from orderhub.connectors.cartcom import setting_forms as forms
from orderhub.connectors.cartcom.flows.product_push_settings import (
    CATALOG_SCOPES,
    CATALOG_SETTING,
    CATEGORY_SETTING,
    OWNER_SETTING,
    STATUS_SETTING,
)
from orderhub.connectors.cartcom.mapping.inventory import (
    BUFFER_BY_SKU_SETTING,
    BUFFER_SETTING,
    LOCATIONS_SETTING,
)
from orderhub.connectors.settings import SettingSpec, choice, whole_number
from orderhub.domain import FlowName

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
    *(
        # -- inventory.push and products.push: stock buffers, counted locations, field owners --
        # A change to an inventory setting makes inventory.push due at once; its rules'
        # fingerprint then differs, so that run recomputes every SKU.
        SettingSpec(
            BUFFER_SETTING,
            "Stock held back from the store",
            "inventory.push sends the store the hub's stock minus this many units of each SKU "
            "(never below 0), so the store stops selling a little before the shelf is empty.",
            forms.parse_buffer,
            default=0,
            runs=(FlowName.INVENTORY_PUSH.value,),
        ),
        SettingSpec(
            BUFFER_BY_SKU_SETTING,
            "Stock held back, for some SKUs",
            "SKU=units, comma-separated (e.g. TSHIRT-RED=2, MUG=0): for these SKUs this many "
            "units are held back instead of the number above.",
            forms.parse_buffer_by_sku,
            show=forms.show_buffer_by_sku,
            resolve=forms.resolve_buffer_by_sku,
            unset="every SKU holds back the number above",
            runs=(FlowName.INVENTORY_PUSH.value,),
            inputmode="text",
        ),
        SettingSpec(
            LOCATIONS_SETTING,
            "Locations whose stock the store sells",
            "Hub locations, by name or id, comma-separated: only their stock is sent to the "
            "store. Empty: every active location. A renamed location stays chosen.",
            forms.parse_locations,
            show=forms.show_locations,
            resolve=forms.resolve_locations,
            unset="every active location",
            runs=(FlowName.INVENTORY_PUSH.value,),
            inputmode="text",
        ),
        SettingSpec(
            OWNER_SETTING,
            "Product fields the store owns",
            "field=owner, comma-separated (e.g. price=cartcom, name=hub): when a field was "
            "changed both in the hub and in Cart.com, products.push keeps the owner's value. "
            "Fields not named are the hub's.",
            forms.parse_field_owners,
            show=forms.show_field_owners,
            unset="the hub owns every field",
            inputmode="text",
        ),
    ),
)
"""Declared here, read by the flows through the integration's settings."""
