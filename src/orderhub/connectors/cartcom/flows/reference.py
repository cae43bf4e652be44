"""A store's reference data, read through the run's cache (`engine.reference_cache`)."""

from __future__ import annotations

from orderhub.connectors.cartcom.client import CartcomClient
from orderhub.connectors.cartcom.mapping import StatusBook
from orderhub.engine import FlowContext

__all__ = ["order_statuses"]


def order_statuses(ctx: FlowContext, client: CartcomClient) -> StatusBook:
    """The store's order statuses: one call, once per few minutes per process."""
    return ctx.reference.get(
        ("order_statuses", client.base_url),
        lambda: StatusBook.from_records(client.list_all("order_statuses")),
    )
