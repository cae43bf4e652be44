"""`SandboxParts`: what the API's parts (app, handlers, control routes, `/inventory`,
`Retry-After`) use of a sandbox. `sandbox.Sandbox` builds them and satisfies this; they name
only this, so the imports run one way: `sandbox` -> its parts -> the data store."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from starlette.requests import Request

from orderhub.clock import Clock

from .answers import Answers
from .auth import Tokens
from .cache import ResponseCache
from .calls import CallLog
from .config import SandboxConfig
from .datastore import DataStore
from .faults import Faults
from .inventory_settings import InventorySettings
from .ratelimit import RateLimiter
from .realism import Realism
from .webhooks import WebhookDispatcher

__all__ = ["SandboxParts", "SpecialRoute"]


class SandboxParts(Protocol):
    config: SandboxConfig
    clock: Clock
    store: DataStore
    tokens: Tokens
    limiter: RateLimiter
    cache: ResponseCache
    call_log: CallLog
    faults: Faults
    realism: Realism
    inventory_settings: InventorySettings
    webhooks: WebhookDispatcher
    special_routes: dict[str, SpecialRoute]

    @property
    def answers(self) -> Answers: ...
    def mint_token(self, scopes: Iterable[str]) -> str: ...
    def calls(self) -> dict[str, Any]: ...
    def reset(self) -> None: ...


SpecialRoute = Callable[[SandboxParts, Request, str, list[str], bytes], tuple[int, Any]]
"""A resource answered by its own code (`/inventory`) instead of the generic handlers."""
