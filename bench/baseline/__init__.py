"""Baseline connectors: Cart.com integrations written the way the official examples read.

They are the reference the benchmarks put OrderHub's flows beside, run in the same benchmark,
against the same sandbox, writing into the same hub store.
"""

from baseline.inventory_push import NaiveInventoryPush
from baseline.orders_pull import BaselineOrdersPull

__all__ = ["BaselineOrdersPull", "NaiveInventoryPush"]
