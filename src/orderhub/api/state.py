"""What the API's endpoints share: the hub, one runner, background work, the scheduler.

The write services (`create_fulfillment`, `set_inventory`, `upsert_hub_product`) are looked
up when a request needs them, not at import: the API works before they exist and answers 501
for those writes until they do. Tests inject a resolver instead.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from orderhub.background import BackgroundWork
from orderhub.engine import EmbeddedScheduler, FlowRunner
from orderhub.hub import Hub
from orderhub.services.sync import Waker

__all__ = ["ApiState", "ServiceResolver", "import_service"]

ServiceResolver = Callable[[str, str], Callable[..., Any] | None]
"""`(module, function) -> the function`, or None when it is not available yet."""


def import_service(module: str, function: str) -> Callable[..., Any] | None:
    """`orderhub.services.<module>.<function>` if that module exists and defines it."""
    name = f"orderhub.services.{module}"
    try:
        loaded = importlib.import_module(name)
    except ModuleNotFoundError as missing:
        if missing.name == name:
            return None
        raise  # the module exists but one of its own imports is broken: a real error
    found = getattr(loaded, function, None)
    return found if callable(found) else None


@dataclass
class ApiState:
    hub: Hub
    runner: FlowRunner
    scheduler: EmbeddedScheduler | None = None
    waker: Waker | None = None
    """Tells the workers' queue about flows made due (a front end beside workers)."""
    resolve_service: ServiceResolver = import_service
    background: BackgroundWork = field(default_factory=BackgroundWork)
