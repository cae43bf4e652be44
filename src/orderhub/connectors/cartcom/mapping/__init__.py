"""Pure functions from Cart.com JSON to the canonical model (and back, as flows need it).

Nothing here does I/O: a flow fetches the records and passes them in, so every mapping is tested
on Cart.com-shaped fixtures. A record that cannot be mapped raises `MappingError`, which a flow
turns into a per-record exception (`exception_type` is its tag, `reason` its one-line message).
"""

from orderhub.connectors.cartcom.mapping.common import MappingError
from orderhub.connectors.cartcom.mapping.orders import (
    ORDER_SOURCE,
    map_order,
    order_address_ids,
    order_customer_ids,
)
from orderhub.connectors.cartcom.mapping.statuses import StatusBook

__all__ = [
    "ORDER_SOURCE",
    "MappingError",
    "StatusBook",
    "map_order",
    "order_address_ids",
    "order_customer_ids",
]
