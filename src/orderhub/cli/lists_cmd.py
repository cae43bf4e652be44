"""`orderhub orders list` (and, as issues land, the other entity lists)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from orderhub.cli.app import orders_app
from orderhub.cli.context import open_hub
from orderhub.cli.output import console, print_json, print_table
from orderhub.store.records import EntityKind, count_records, list_records

__all__ = ["list_orders"]

TABLE_LIMIT = 50


@orders_app.command("list")
def list_orders(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print every order as the REST API shapes it.")
    ] = False,
    limit: Annotated[
        int | None, typer.Option("--limit", help="At most this many (newest first).")
    ] = None,
    integration: Annotated[
        str | None, typer.Option("--integration", help="Only this integration's orders.")
    ] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="Only orders in this status.")
    ] = None,
) -> None:
    """List the hub's orders, newest first (all of them with --json unless --limit)."""
    page = limit if limit is not None else (None if as_json else TABLE_LIMIT)
    with open_hub() as hub, hub.db.session() as session:
        total = count_records(session, EntityKind.ORDER, integration_id=integration, status=status)
        records = list_records(
            session,
            EntityKind.ORDER,
            integration_id=integration,
            status=status,
            limit=page if page is not None else max(total, 1),
        )
        orders = [r.to_wire() for r in records]
    if as_json:
        print_json(orders)
        return
    print_table(
        f"Orders ({len(orders)} of {total})",
        ["orderId", "order #", "status", "customer", "total", "lines", "updated in store"],
        (
            [
                o.get("orderId"),
                o.get("extOrderId"),
                o.get("status"),
                _customer(o),
                o.get("totalPrice"),
                len(o.get("lineItems", [])),
                o.get("extOrderUpdatedAt"),
            ]
            for o in orders
        ),
    )
    if len(orders) < total:
        console.print(f"Showing {len(orders)} of {total}; use --limit or --json for more.")


def _customer(order: dict[str, Any]) -> str:
    customer = order.get("customer") or {}
    name = " ".join(p for p in (customer.get("firstName"), customer.get("lastName")) if p)
    return order.get("email") or name
