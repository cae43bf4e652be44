"""The store's order statuses as orders.pull last read them, with the merchant's settings
applied: what the settings page lists (`Connector.order_status_map`).

orders.pull keeps the statuses it read in its cursor (`STATUSES_KEPT`, beside its positions;
a few hundred bytes), so the page needs no call to the store; a pull that was reset (a
backfill, a re-enable) has none until it runs again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from orderhub.connectors.cartcom.flows.order_status_settings import OrderStatusRules
from orderhub.connectors.cartcom.mapping import StatusBook
from orderhub.connectors.status_map import StatusMap, StoreStatus
from orderhub.errors import UsageError

__all__ = ["STATUSES_KEPT", "kept_statuses", "status_map"]

STATUSES_KEPT: Final = "orderStatuses"
"""The key of orders.pull's cursor (`PullCursor.extra`) that holds the statuses it read."""


def kept_statuses(cursor: Mapping[str, Any] | None) -> StatusBook | None:
    """The statuses an orders.pull cursor keeps; None when no run has kept them."""
    extra = (cursor or {}).get("extra")
    kept = extra.get(STATUSES_KEPT) if isinstance(extra, Mapping) else None
    return StatusBook.from_kept(kept) if isinstance(kept, list) else None


def status_map(settings: Mapping[str, Any], cursor: Mapping[str, Any] | None) -> StatusMap:
    """Each store status → hub status, overrides and skips marked; then the statuses the
    settings name that the store does not have. Settings that fail their check show as if
    unset (the page's form says what is wrong when the merchant saves)."""
    try:
        rules = OrderStatusRules.from_settings(settings)
    except UsageError:
        rules = OrderStatusRules()
    book = kept_statuses(cursor)
    if book is None:
        return StatusMap(known=False)
    mapped = rules.applied(book)
    skipped = rules.skipped_ids(book)
    rows = [
        StoreStatus(
            name=book.name(i) or f"#{i}",
            store_id=str(i),
            hub_status=mapped.hub_status(i),
            overridden=mapped.is_overridden(i),
            skipped=i in skipped,
            default_status=book.flag_status(i),
        )
        for i in book.ids()
    ]
    overrides = {name.casefold(): hub for name, hub in rules.overrides.items()}
    skips = {name.casefold() for name in rules.skip}
    missing = [
        StoreStatus(
            name=name,
            store_id=None,
            hub_status=overrides.get(name.casefold()),
            overridden=name.casefold() in overrides,
            skipped=name.casefold() in skips,
        )
        for name in rules.missing_from(book)
    ]
    return StatusMap(tuple(rows + missing), known=True)
