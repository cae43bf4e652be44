"""Pure functions from Cart.com JSON to the canonical model (and back, as flows need it).

Nothing here does I/O: a flow fetches the records and passes them in, so every mapping is tested
on Cart.com-shaped fixtures. A record that cannot be mapped raises `MappingError`, which a flow
turns into a per-record exception (`exception_type` is its tag, `reason` its one-line message).
"""

from orderhub.connectors.cartcom.mapping.addresses import normalize_postal_code
from orderhub.connectors.cartcom.mapping.common import MappingError
from orderhub.connectors.cartcom.mapping.fulfillments import (
    SHIPMENT_FIELDS,
    UNKNOWN_LINE,
    ShippingState,
    map_fulfillment,
    order_item_quantities,
    shipment_name,
    shipment_update,
    shipped_quantities,
    shipping_state,
    status_to_set,
)
from orderhub.connectors.cartcom.mapping.inventory import StockIndex, StockRow
from orderhub.connectors.cartcom.mapping.inventory_settings import InventoryRules
from orderhub.connectors.cartcom.mapping.locations import map_store_location, map_warehouse
from orderhub.connectors.cartcom.mapping.orders import (
    ORDER_SOURCE,
    map_order,
    order_address_ids,
    order_customer_ids,
)
from orderhub.connectors.cartcom.mapping.product_bodies import (
    PRODUCT_FIELDS,
    VARIANT_FIELDS,
    new_product_body,
    product_body,
    status_body,
    variant_body,
)
from orderhub.connectors.cartcom.mapping.product_plan import Conflict, FieldPlan, plan_fields
from orderhub.connectors.cartcom.mapping.products import (
    CatalogBook,
    child_ext_id,
    map_product,
    product_ext_id,
)
from orderhub.connectors.cartcom.mapping.statuses import StatusBook

__all__ = [
    "ORDER_SOURCE",
    "PRODUCT_FIELDS",
    "SHIPMENT_FIELDS",
    "UNKNOWN_LINE",
    "VARIANT_FIELDS",
    "CatalogBook",
    "Conflict",
    "FieldPlan",
    "InventoryRules",
    "MappingError",
    "ShippingState",
    "StatusBook",
    "StockIndex",
    "StockRow",
    "child_ext_id",
    "map_fulfillment",
    "map_order",
    "map_product",
    "map_store_location",
    "map_warehouse",
    "new_product_body",
    "normalize_postal_code",
    "order_address_ids",
    "order_customer_ids",
    "order_item_quantities",
    "plan_fields",
    "product_body",
    "product_ext_id",
    "shipment_name",
    "shipment_update",
    "shipped_quantities",
    "shipping_state",
    "status_body",
    "status_to_set",
    "variant_body",
]
