"""Where a test counts hub stock: a hub with the store's locations needs one named."""

from __future__ import annotations

from orderhub.domain import LocationStatus
from orderhub.hub import Hub
from orderhub.store.records import EntityKind, list_records

__all__ = ["stock_location"]


def stock_location(hub: Hub) -> str | None:
    """The hub id of the hub's first active location (any counts toward a store's stock by
    default); None when it has none, where `set_inventory` makes its "Default"."""
    with hub.db.read_session() as session:
        held = list_records(session, EntityKind.LOCATION, limit=1000, newest_first=False)
    active = [r for r in held if r.data.get("status") != LocationStatus.INACTIVE.value]
    return active[0].hub_id if active else None
