"""The Cart.com flows, registered on the engine's registry by connector name."""

from __future__ import annotations

from orderhub.connectors.cartcom.flows.fulfillments_push import FulfillmentsPush
from orderhub.connectors.cartcom.flows.inventory_push import InventoryPush
from orderhub.connectors.cartcom.flows.locations_pull import LocationsPull
from orderhub.connectors.cartcom.flows.orders_pull import OrdersPull
from orderhub.connectors.cartcom.flows.products_pull import ProductsPull
from orderhub.connectors.cartcom.flows.products_push import ProductsPush
from orderhub.domain import FlowName
from orderhub.engine import FlowRegistry

__all__ = ["CONNECTOR", "OrdersPull", "register_cartcom_flows"]

CONNECTOR = "cartcom"


def register_cartcom_flows(registry: FlowRegistry) -> None:
    """Register every Cart.com flow built so far; the rest show as "not available yet"."""
    registry.register(CONNECTOR, FlowName.ORDERS_PULL, OrdersPull.from_context)
    registry.register(CONNECTOR, FlowName.PRODUCTS_PULL, ProductsPull.from_context)
    registry.register(CONNECTOR, FlowName.PRODUCTS_PUSH, ProductsPush.from_context)
    registry.register(CONNECTOR, FlowName.INVENTORY_PUSH, InventoryPush.from_context)
    registry.register(CONNECTOR, FlowName.LOCATIONS_PULL, LocationsPull.from_context)
    registry.register(CONNECTOR, FlowName.FULFILLMENTS_PUSH, FulfillmentsPush.from_context)
