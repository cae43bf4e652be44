"""A Cart.com client for the hub's services (webhook subscriptions), on the store's budget."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx

from orderhub.connectors.cartcom.client import CallRecord, CartcomClient
from orderhub.connectors.cartcom.http import new_http_client
from orderhub.connectors.cartcom.ratelimit import store_key
from orderhub.connectors.cartcom.retry import QUICK_RETRY
from orderhub.connectors.cartcom.shared_limiter import SharedCallLimiter, shared_budget_for
from orderhub.domain import Integration
from orderhub.engine.priority import CallPriority
from orderhub.hub import Hub

__all__ = ["call_budget", "call_counter", "store_client"]


def call_budget(hub: Hub, api_url: str) -> SharedCallLimiter | None:
    """The store's shared budget when flows in other processes call it too."""
    return shared_budget_for(hub.db, api_url, shared=hub.shares_call_budgets, clock=hub.clock)


def call_counter(hub: Hub, api_url: str) -> Callable[[CallRecord], None] | None:
    """A client's `on_call` that counts into the hub's metrics (None: not counting)."""
    if hub.metrics is None:
        return None
    return hub.metrics.call_observer("cartcom", store_key(api_url))


@contextmanager
def store_client(
    hub: Hub, integration: Integration, token: str, *, http: httpx.Client | None = None
) -> Iterator[CartcomClient]:
    """A client for the integration's store: over `http` if given, else the hub's factory,
    else a client of its own (closed afterwards)."""
    owned = http is None and hub.http_factory is None
    if http is None:
        http = (
            hub.http_factory(integration)
            if hub.http_factory is not None
            else new_http_client(httpx.Timeout(15.0))
        )
    try:
        yield CartcomClient(
            integration.api_url,
            token,
            http=http,
            clock=hub.clock,
            limiter=call_budget(hub, integration.api_url),
            retry=QUICK_RETRY,
            # Subscriptions are kept in step while a person connects or switches a flow.
            priority=CallPriority.CONNECTION_TEST,
            on_call=call_counter(hub, integration.api_url),
        )
    finally:
        if owned:
            http.close()
