"""The Cart.com client a completeness check uses: the store's one call budget, lowest priority.

A check spends the same budget as the flows (`shared_budget_for`, as `flows/session.py` does:
in the database when processes share stores, else this process's limiter of that store), so
it can never push a store into 429s the flows would then pay for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx

from orderhub.clock import Clock, Sleep
from orderhub.connectors.cartcom.client import CallRecord, CartcomClient
from orderhub.connectors.cartcom.http import new_http_client
from orderhub.connectors.cartcom.shared_limiter import shared_budget_for
from orderhub.engine.priority import CallPriority
from orderhub.store.database import Database

__all__ = ["VERIFY_PRIORITY", "verify_client"]

VERIFY_PRIORITY = CallPriority.VERIFY
"""Completeness checks come last in the store's budget: after every flow (issue #11, part 3)."""

_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


@contextmanager
def verify_client(
    db: Database,
    api_url: str,
    token: str,
    *,
    clock: Clock,
    sleep: Sleep,
    share_call_budgets: bool,
    http: httpx.Client | None = None,
    on_call: Callable[[CallRecord], None] | None = None,
) -> Iterator[CartcomClient]:
    """A client for one check; closes the HTTP client only if it made it."""
    owned = http is None
    client_http = http if http is not None else new_http_client(_TIMEOUT)
    try:
        # This is the only place a check's client is built.
        limiter = shared_budget_for(
            db, api_url, shared=share_call_budgets, clock=clock, sleep=sleep
        )
        yield CartcomClient(
            api_url,
            token,
            http=client_http,
            clock=clock,
            sleep=sleep,
            limiter=limiter,
            priority=VERIFY_PRIORITY,
            on_call=on_call,
        )
    finally:
        if owned:
            client_http.close()
