"""The store statuses an orders.pull run maps by, read from the store only when an order needs
mapping.

The statuses the last run read are kept in the cursor (`order_status_view.py`). A quiet poll
maps no order — every listed one is held as it is, which it tells by mapping with the kept
statuses (`held_orders.py`) — so it needs no `order_statuses` call: on a steel store (5 calls
per 10 s) a poll every few minutes, after the 5-minute reference cache expired, would
otherwise spend one call of its window on them. The first order that must be mapped (a new or
changed one, a retry) reads them (through the process's reference cache) before it is mapped.
A run without kept statuses (the first, a backfill) reads them at once.

So a status the merchant renames or re-flags in the store shows on the settings page after the
next order change; held orders are not rewritten for it either way until the store changes them.
"""

from __future__ import annotations

import threading
from typing import Any

from orderhub.connectors.cartcom.client import CartcomClient
from orderhub.connectors.cartcom.flows.order_status_settings import OrderStatusRules
from orderhub.connectors.cartcom.flows.order_status_view import kept_statuses
from orderhub.connectors.cartcom.flows.reference import order_statuses
from orderhub.connectors.cartcom.mapping import StatusBook
from orderhub.engine import FlowContext

__all__ = ["RunStatuses"]


class RunStatuses:
    """One run's statuses: the cursor's kept ones until `read` fetches the store's."""

    def __init__(self, ctx: FlowContext, client: CartcomClient) -> None:
        self._ctx = ctx
        self._client = client
        self._rules = OrderStatusRules.from_settings(ctx.integration.settings)
        self._lock = threading.Lock()
        self._read: StatusBook | None = None
        kept = kept_statuses(ctx.cursor)
        if kept is None:
            self.read()
        else:
            self._use(kept)

    @property
    def fresh(self) -> bool:
        """Whether this run read the store's statuses (else they are the kept ones)."""
        return self._read is not None

    def read(self) -> None:
        """Map by the store's statuses from now on (one call, unless the cache holds them)."""
        with self._lock:
            if self._read is None:
                self._read = order_statuses(self._ctx, self._client)
                self._use(self._read)

    def kept(self) -> list[dict[str, Any]] | None:
        """What to keep in the cursor: the statuses this run read, or None (keep the old)."""
        return self._read.kept() if self._read is not None else None

    def _use(self, book: StatusBook) -> None:
        self.book: StatusBook = self._rules.applied(book)
        """The statuses with the merchant's mapping (`orderStatusMap`) applied."""
        self.skipped: frozenset[int] = frozenset(self._rules.skipped_ids(book))
        """The ids of the statuses whose orders the hub does not create."""
