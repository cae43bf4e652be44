"""Build the Cart.com client a flow run uses, and report its call figures back to the run."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from orderhub.connectors.cartcom.client import CallRecord, CartcomClient
from orderhub.connectors.cartcom.http import new_http_client
from orderhub.connectors.cartcom.shared_limiter import shared_budget_for
from orderhub.connectors.cartcom.store_url import store_key
from orderhub.engine import FlowContext

__all__ = ["cartcom_client_for"]

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)

_log = logging.getLogger(__name__)


@contextmanager
def cartcom_client_for(ctx: FlowContext) -> Iterator[CartcomClient]:
    """A client for this run's store; closes the HTTP client only if it made it.

    Calls and rate-limit waits flow into the run's figures as they happen, so a progress bar
    and a crashed run both show what was spent.
    """
    owned = ctx.http is None
    http = ctx.http if ctx.http is not None else new_http_client(DEFAULT_TIMEOUT)
    client: CartcomClient | None = None
    count = (
        ctx.metrics.call_observer("cartcom", store_key(ctx.integration.api_url))
        if ctx.metrics is not None
        else None
    )

    def on_call(record: CallRecord) -> None:
        if count is not None:
            count(record)
        if client is not None:
            ctx.api_calls = client.calls
            ctx.rate_limit_wait_seconds = client.rate_limit_wait_seconds
            ctx.progress(api_calls=client.calls, waiting=client.rate_limit_wait_seconds)

    try:
        client = CartcomClient(
            ctx.integration.api_url,
            ctx.api_token,
            http=http,
            clock=ctx.clock,
            sleep=ctx.sleep,
            limiter=shared_budget_for(
                ctx.db,
                ctx.integration.api_url,
                shared=ctx.share_call_budgets,
                clock=ctx.clock,
                sleep=ctx.sleep,
            ),
            priority=ctx.call_priority,
            on_call=on_call,
            patience=ctx.first_call_patience,
        )
        yield client
    finally:
        if client is not None:
            try:
                client.close()
            except Exception:  # the headroom lapses on its own: no reason to fail the run
                _log.warning("could not give back the run's call headroom", exc_info=True)
            ctx.api_calls = client.calls
            ctx.rate_limit_wait_seconds = client.rate_limit_wait_seconds
        if owned:
            http.close()
