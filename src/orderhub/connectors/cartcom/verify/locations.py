"""locations.pull's check: every warehouse and store location Cart.com lists is an active hub
location.

locations.pull reads both lists whole on every run (store locations have no timestamps), so
there is no window: the check lists them the same way (one call each, 250 a page) and compares
ids. A location the hub holds as inactive while Cart.com still lists it counts as missing,
unless the integration's `locationMap` says it IS another hub location: the flow keeps no copy
of such a location (or an inactive one), so the check counts it as held, the way the flow does.
Content is not compared: every run of the flow rewrites whatever changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orderhub.connectors.cartcom.client import CartcomClient
from orderhub.connectors.cartcom.mapping.common import plain_id
from orderhub.connectors.cartcom.mapping.location_map import (
    LOCATION_MAP_SETTING,
    check_location_map,
)
from orderhub.connectors.cartcom.mapping.locations import STORE_LOCATION_PREFIX, WAREHOUSE_PREFIX
from orderhub.connectors.completeness import CheckWindow, FlowCheck, Gap, HubHoldings
from orderhub.domain import LocationStatus
from orderhub.store.entities import EntityKind

__all__ = ["check_locations"]

_PAGE = 250
_ENTITY = EntityKind.LOCATION.value


def check_locations(client: CartcomClient, hub: HubHoldings, window: CheckWindow) -> FlowCheck:
    """Compare the ids of every listed warehouse and store location with the hub's locations."""
    listed: dict[str, str] = {}
    for resource, prefix, what in (
        ("warehouses", WAREHOUSE_PREFIX, "warehouse"),
        ("store_locations", STORE_LOCATION_PREFIX, "store location"),
    ):
        for raw in client.list_all(resource, page_size=_PAGE):
            record_id = plain_id(raw.get("id"))
            if record_id is not None:
                listed[f"{prefix}{record_id}"] = _label(what, record_id, raw)
        window.stop_if_asked()
    result = FlowCheck(checked=len(listed))
    held = hub.versions(EntityKind.LOCATION, list(listed))
    mapped = _mapped(hub.settings())
    for ext_id, label in listed.items():
        if ext_id in mapped:
            continue  # it stands for a hub location of its own choosing (`locationMap`)
        copy = held.get(ext_id)
        if copy is None:
            result.add(Gap("missing", _ENTITY, ext_id, ext_id, label))
        elif copy.status == LocationStatus.INACTIVE.value:
            result.add(Gap("missing", _ENTITY, ext_id, ext_id, label, note="inactive in the hub"))
    return result


def _mapped(settings: Mapping[str, Any]) -> Mapping[str, str]:
    """The store locations `locationMap` maps onto hub locations; none when it cannot be read
    (the flow's run fails on that, and says why)."""
    try:
        return check_location_map(settings.get(LOCATION_MAP_SETTING) or {})
    except ValueError:
        return {}


def _label(what: str, record_id: int, raw: Mapping[str, Any]) -> str:
    name = raw.get("name")
    shown = name.strip() if isinstance(name, str) else ""
    return f"{what} {shown!r}" if shown else f"{what} {record_id}"
