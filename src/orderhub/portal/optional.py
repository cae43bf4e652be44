"""Hub services the portal uses that other parts of OrderHub may not ship yet.

Inventory edits, test fulfillments and API keys go through `orderhub.services.inventory`,
`orderhub.services.fulfillments` and `orderhub.services.apikeys`. They are imported when used,
not at start-up, so the portal runs (showing "not available yet") in a build without them.
Only a missing module or function counts as "not available": an import error *inside* such a
module is a bug and is raised.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from orderhub.domain import Fulfillment
from orderhub.errors import HubError
from orderhub.hub import Hub

__all__ = [
    "api_keys",
    "create_fulfillment",
    "fulfillments_available",
    "inventory_available",
    "left_to_fulfil",
    "set_inventory",
]

_INVENTORY = "orderhub.services.inventory"
_FULFILLMENTS = "orderhub.services.fulfillments"
_API_KEYS = "orderhub.services.apikeys"


def _service(module_name: str, function: str) -> Callable[..., Any] | None:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as missing:
        if missing.name is not None and module_name.startswith(missing.name):
            return None
        raise
    found = getattr(module, function, None)
    return found if callable(found) else None


def inventory_available() -> bool:
    return _service(_INVENTORY, "set_inventory") is not None


def fulfillments_available() -> bool:
    return _service(_FULFILLMENTS, "create_fulfillment") is not None


def set_inventory(hub: Hub, *, sku: str, location_id: str, on_hand: int) -> Any:
    """Set the on-hand quantity of `sku` at `location_id` through the inventory service."""
    service = _service(_INVENTORY, "set_inventory")
    if service is None:
        raise LookupError("inventory editing is not available yet")
    return service(hub, sku=sku, quantity=on_hand, location_id=location_id, actor="portal")


def create_fulfillment(hub: Hub, fulfillment: Fulfillment) -> Any:
    service = _service(_FULFILLMENTS, "create_fulfillment")
    if service is None:
        raise LookupError("creating fulfillments is not available yet")
    return service(hub, fulfillment, actor="portal")


def api_keys() -> Any | None:
    """The API key service module (`create_api_key`, `list_api_keys`, `revoke_api_key`)."""
    if _service(_API_KEYS, "create_api_key") is None:
        return None
    return importlib.import_module(_API_KEYS)


def left_to_fulfil(hub: Hub, order_id: str) -> dict[str, int] | None:
    """{line uniqueId: quantity not fulfilled yet}, counting the hub's own fulfillments."""
    service = _service(_FULFILLMENTS, "unfulfilled_lines")
    if service is None:
        return None
    try:
        lines = service(hub, order_id)
    except HubError:
        return None
    return {str(line.unique_id): int(line.quantity) for line in lines}
