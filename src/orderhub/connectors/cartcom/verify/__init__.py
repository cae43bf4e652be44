"""Proven completeness for the Cart.com pull flows: what the store holds against the hub.

One check per pull flow (`CHECKS`), each listing the store cheaply (`listing.py`: ids and
update times, 250 a call, through the store's call budget at the lowest priority) and asking
the hub, a page at a time, what it holds of those ids. The checks only read and report gaps;
repairing them is the flows' own retry path (`services/verification.py`).
"""

from __future__ import annotations

from collections.abc import Callable

from orderhub.connectors.cartcom.client import CartcomClient
from orderhub.connectors.cartcom.verify.client import VERIFY_PRIORITY, verify_client
from orderhub.connectors.cartcom.verify.locations import check_locations
from orderhub.connectors.cartcom.verify.orders import check_orders
from orderhub.connectors.cartcom.verify.products import check_products
from orderhub.connectors.completeness import (
    CheckStopped,
    CheckWindow,
    FlowCheck,
    Gap,
    HubHoldings,
)
from orderhub.domain import FlowName

__all__ = [
    "CHECKS",
    "READS_EVERYTHING",
    "VERIFY_PRIORITY",
    "Check",
    "CheckStopped",
    "CheckWindow",
    "FlowCheck",
    "Gap",
    "HubHoldings",
    "verify_client",
]

Check = Callable[[CartcomClient, HubHoldings, CheckWindow], FlowCheck]

CHECKS: dict[FlowName, Check] = {
    FlowName.ORDERS_PULL: check_orders,
    FlowName.PRODUCTS_PULL: check_products,
    FlowName.LOCATIONS_PULL: check_locations,
}
"""The pull flows that can be verified, and how."""

READS_EVERYTHING = frozenset({FlowName.LOCATIONS_PULL})
"""Flows with no start time: they read the store whole on every run."""
