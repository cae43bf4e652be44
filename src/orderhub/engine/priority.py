"""Who gets a remote store's call budget first when it is nearly spent.

A store's budget is one queue for every caller (each flow, the connection test, completeness
checks, any process). When the window has room, everyone goes at once; when it is nearly spent,
the budget goes in this order — lower first:

1. fulfillments.push: a parcel has left; the shopper waits for the store to say so.
2. orders.pull: new orders must reach the warehouse.
3. the connection test: a person is looking at the page, waiting for its answer.
4. inventory.push: a stale stock level oversells.
5. products.push, 6. products.pull, 7. locations.pull: catalogue and set-up data; minutes late
   is fine.
8. completeness checks (verify): cheap listings that prove nothing was missed; they may take
   whatever is left.

Connector-neutral: a connector's limiter turns these into its own waiting rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum
from types import MappingProxyType

from orderhub.domain import FlowName

__all__ = ["FLOW_PRIORITIES", "UNRANKED", "CallPriority", "priority_of"]


class CallPriority(IntEnum):
    """A caller's place in its store's call budget: the lower the value, the sooner it goes."""

    FULFILLMENTS_PUSH = 0
    ORDERS_PULL = 1
    CONNECTION_TEST = 2
    INVENTORY_PUSH = 3
    PRODUCTS_PUSH = 4
    PRODUCTS_PULL = 5
    LOCATIONS_PULL = 6
    VERIFY = 7


UNRANKED = CallPriority.VERIFY
"""What a caller that does not say gets: the back of the queue, so work nobody ranked can
never slow down a fulfillment."""

FLOW_PRIORITIES: Mapping[FlowName, CallPriority] = MappingProxyType(
    {
        FlowName.FULFILLMENTS_PUSH: CallPriority.FULFILLMENTS_PUSH,
        FlowName.ORDERS_PULL: CallPriority.ORDERS_PULL,
        FlowName.INVENTORY_PUSH: CallPriority.INVENTORY_PUSH,
        FlowName.PRODUCTS_PUSH: CallPriority.PRODUCTS_PUSH,
        FlowName.PRODUCTS_PULL: CallPriority.PRODUCTS_PULL,
        FlowName.LOCATIONS_PULL: CallPriority.LOCATIONS_PULL,
    }
)


def priority_of(flow: FlowName | str) -> CallPriority:
    """The call priority of a flow's runs (a flow added without a rank goes last)."""
    return FLOW_PRIORITIES.get(FlowName(flow), UNRANKED)
