"""`orderhub orders|products|inventory|locations|fulfillments list`: one command shape for all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import typer

from orderhub.cli.app import (
    fulfillments_app,
    inventory_app,
    locations_app,
    orders_app,
    products_app,
)
from orderhub.cli.context import open_hub
from orderhub.cli.output import console, print_json, print_table

__all__ = ["LISTINGS", "Listing"]

TABLE_LIMIT = 50
Cell = Callable[[dict[str, Any]], Any]


@dataclass(frozen=True)
class Listing:
    kind: str
    """A `store.entities.EntityKind` value: the store is imported when the command runs."""
    title: str
    app: typer.Typer
    columns: tuple[tuple[str, Cell], ...]


def _field(name: str) -> Cell:
    return lambda record: record.get(name)


def _count(name: str) -> Cell:
    return lambda record: len(record.get(name) or [])


def _customer(order: dict[str, Any]) -> str:
    customer = order.get("customer") or {}
    name = " ".join(p for p in (customer.get("firstName"), customer.get("lastName")) if p)
    return str(order.get("email") or name)


def _address(location: dict[str, Any]) -> str:
    address = location.get("address") or {}
    parts = (address.get("city"), address.get("stateOrProvince"), address.get("country"))
    return ", ".join(p for p in parts if p)


LISTINGS = (
    Listing(
        "order",
        "Orders",
        orders_app,
        (
            ("orderId", _field("orderId")),
            ("order #", _field("extOrderId")),
            ("status", _field("status")),
            ("customer", _customer),
            ("total", _field("totalPrice")),
            ("lines", _count("lineItems")),
            ("updated in store", _field("extOrderUpdatedAt")),
        ),
    ),
    Listing(
        "product",
        "Products",
        products_app,
        (
            ("productId", _field("productId")),
            ("sku", _field("sku")),
            ("name", _field("name")),
            ("types", lambda p: ", ".join(p.get("types") or [])),
            ("status", _field("status")),
            ("price", _field("price")),
        ),
    ),
    Listing(
        "inventory",
        "Inventory",
        inventory_app,
        (
            ("sku", _field("sku")),
            ("location", _field("locationId")),
            ("on hand", _field("onHand")),
            ("committed", _field("committed")),
            ("available", _field("available")),
            ("updated", _field("updatedAt")),
        ),
    ),
    Listing(
        "location",
        "Locations",
        locations_app,
        (
            ("locationId", _field("locationId")),
            ("name", _field("name")),
            ("kind", _field("kind")),
            ("status", _field("status")),
            ("where", _address),
        ),
    ),
    Listing(
        "fulfillment",
        "Fulfillments",
        fulfillments_app,
        (
            ("fulfillmentId", _field("fulfillmentId")),
            ("order", _field("orderId")),
            ("tracking", lambda f: ", ".join(f.get("trackingNumbers") or [])),
            ("carrier", _field("shippingCarrier")),
            ("lines", _count("lineItems")),
            ("shipped", _field("actualShipDate")),
        ),
    ),
)


def _register(listing: Listing) -> None:
    def list_command(
        as_json: Annotated[
            bool, typer.Option("--json", help="Print them as the REST API shapes them.")
        ] = False,
        limit: Annotated[
            int | None, typer.Option("--limit", help="At most this many, newest first.")
        ] = None,
        integration: Annotated[
            str | None, typer.Option("--integration", help="Only this integration's.")
        ] = None,
        status: Annotated[str | None, typer.Option("--status", help="Only this status.")] = None,
    ) -> None:
        from orderhub.store.record_queries import RecordFilter, find_records
        from orderhub.store.records import EntityKind

        where = RecordFilter(
            EntityKind(listing.kind),
            integration=integration,
            statuses=(status,) if status is not None else (),
        )
        page = limit if limit is not None else (None if as_json else TABLE_LIMIT)
        with open_hub() as hub, hub.db.read_session() as session:
            found = find_records(session, where, count=page)
            values = [record.to_wire() for record in found.records]
        total = found.total
        if as_json:
            print_json(values)
            return
        print_table(
            f"{listing.title} ({len(values)} of {total})",
            [name for name, _ in listing.columns],
            ([cell(value) for _, cell in listing.columns] for value in values),
        )
        if len(values) < total:
            console.print(f"Showing {len(values)} of {total}; use --limit or --json for more.")

    list_command.__doc__ = (
        f"List the hub's {listing.title.lower()}, newest first (all with --json unless --limit)."
    )
    listing.app.command("list")(list_command)


for _listing in LISTINGS:
    _register(_listing)
