"""The integration settings of a Cart.com store (products.push's catalogs, status, category,
field owners; inventory.push's buffers and counted locations; locations.pull's location mapping;
orders.pull's skipped statuses and status mapping)."""

from __future__ import annotations

from orderhub.connectors.cartcom import setting_forms as forms
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
    OWNER_SETTING,
    STATUS_SETTING,
)
from orderhub.connectors.cartcom.location_map_text import (
    parse_location_map,
    resolve_location_map,
    show_location_map,
)
from orderhub.connectors.cartcom.mapping.inventory_settings import (
    BUFFER_BY_SKU_SETTING,
    BUFFER_SETTING,
    LOCATIONS_SETTING,
)
from orderhub.connectors.cartcom.mapping.location_map import LOCATION_MAP_SETTING
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
    SettingSpec(
        # A change makes locations.pull due at once: it hides or brings back the copies.
        LOCATION_MAP_SETTING,
        "Location mapping",
        "STORE LOCATION=HUB LOCATION, separated by commas (e.g. Main Warehouse=WH-East, "
        "#3=Dallas DC): this store's warehouse or store location (its name as locations.pull "
        "last saw it, #id, or warehouse:ID / store-location:ID) IS that hub location, so "
        "locations.pull keeps no location of its own for it (a copy it made before goes "
        "inactive, and comes back when the pair is removed). The hub location is one made in "
        "OrderHub or brought from another store, by name or id; one store location each.",
        parse_location_map,
        show=show_location_map,
        resolve=resolve_location_map,
        unset="every store location is a hub location of its own",
        runs=(FlowName.LOCATIONS_PULL.value,),
        inputmode="text",
    ),
    *(
        # -- orders.pull: which store statuses it brings in, and how they map --
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
            unset="every status is pulled",
            inputmode="text",
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
            unset="every status maps by its flags",
            inputmode="text",
        ),
    ),
)
"""Declared here, read by the flows through the integration's settings."""
