"""The Cart.com flows, registered on the engine's registry by connector name."""

from __future__ import annotations

from orderhub.connectors.cartcom.flows.orders_pull import OrdersPull
from orderhub.domain import FlowName
from orderhub.engine import FlowRegistry

__all__ = ["CONNECTOR", "OrdersPull", "register_cartcom_flows"]

CONNECTOR = "cartcom"


def register_cartcom_flows(registry: FlowRegistry) -> None:
    """Register every Cart.com flow built so far; the rest show as "not available yet"."""
    registry.register(CONNECTOR, FlowName.ORDERS_PULL, OrdersPull.from_context)
