"""What each of a store's order statuses becomes in the hub, as the settings page shows it.

A connector that pulls orders reads the store's statuses and maps each to a hub
`OrderStatus`; a merchant may override that mapping and leave out some statuses
(`Connector.order_status_map`). The list is the one the last orders pull read: the page shows
it without calling the store, and says so when no pull has read it yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from orderhub.domain.order import OrderStatus

__all__ = ["StatusMap", "StoreStatus"]


@dataclass(frozen=True)
class StoreStatus:
    """One store status: its name (or id), and what its orders become in the hub."""

    name: str
    store_id: str | None
    """The store's id for it; None for a status a setting names that the store does not have."""
    hub_status: OrderStatus | None
    """None for a status the store does not have that no override names."""
    overridden: bool = False
    """The merchant's mapping, not the connector's own."""
    skipped: bool = False
    """New orders in this status are left out of the hub."""
    default_status: OrderStatus | None = None
    """What the connector's own mapping gives (shown beside an override)."""

    @property
    def in_store(self) -> bool:
        return self.store_id is not None


@dataclass(frozen=True)
class StatusMap:
    """The store's statuses as the last orders pull read them, with the merchant's settings
    applied. `known` is False until an orders pull has read them."""

    statuses: tuple[StoreStatus, ...] = ()
    known: bool = False
