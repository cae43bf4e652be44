"""What the API's endpoints share: the hub, one runner, background work, the scheduler.

The write services (`create_fulfillment`, `set_inventory`, `upsert_hub_product`) are found
through `resolve_service`, so a test can put its own in their place (`hub_service`: the hub's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from orderhub.background import BackgroundWork
from orderhub.engine import EmbeddedScheduler, FlowRunner
from orderhub.hub import Hub
from orderhub.services.fulfillments import create_fulfillment
from orderhub.services.inventory import set_inventory
from orderhub.services.products import upsert_hub_product
from orderhub.services.sync import Waker

__all__ = ["ApiState", "ServiceResolver", "hub_service"]

ServiceResolver = Callable[[str, str], Callable[..., Any] | None]
"""`(module, function) -> the function`, or None when there is none."""

_SERVICES: dict[tuple[str, str], Callable[..., Any]] = {
    ("fulfillments", "create_fulfillment"): create_fulfillment,
    ("inventory", "set_inventory"): set_inventory,
    ("products", "upsert_hub_product"): upsert_hub_product,
}


def hub_service(module: str, function: str) -> Callable[..., Any] | None:
    """The write service `orderhub.services.<module>.<function>` the API calls."""
    return _SERVICES.get((module, function))


@dataclass
class ApiState:
    hub: Hub
    runner: FlowRunner
    scheduler: EmbeddedScheduler | None = None
    waker: Waker | None = None
    """Tells the workers' queue about flows made due (a front end beside workers)."""
    resolve_service: ServiceResolver = hub_service
    background: BackgroundWork = field(default_factory=BackgroundWork)
