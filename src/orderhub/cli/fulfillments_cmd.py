"""`orderhub fulfillments create`: record that lines of an order shipped, for the push flow."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from orderhub.cli.app import fulfillments_app
from orderhub.cli.context import open_hub
from orderhub.cli.output import console, print_json, shown
from orderhub.errors import UsageError

if TYPE_CHECKING:
    from orderhub.domain import FulfillmentLine

__all__ = ["EXT", "create", "parse_line"]

EXT = "ext:"
"""`services.fulfillments.EXT_PREFIX`, spelled here for the help text (a test keeps them equal)."""

# The quantity is whatever follows the last `:`/`=`, checked by `parse_quantity` (ASCII digits
# only: `\d` and int() would read "٣" as 3).
_LINE = re.compile(r"^(?P<sku>.+?)\s*[:=]\s*(?P<quantity>[^:=]+)$")
_SHAPE = "should be SKU:QUANTITY, e.g. --line TEE-1094:2"


def parse_line(text: str) -> FulfillmentLine:
    """`SKU:QTY` (or `SKU=QTY`) → a line; the last `:`/`=` splits, so a SKU may contain one."""
    from orderhub.domain import FulfillmentLine
    from orderhub.domain.bounds import InvalidValue, Sku, check, parse_quantity

    match = _LINE.match(text.strip())
    if match is None:
        raise UsageError(f"--line {text!r} {_SHAPE}")
    try:
        sku: str = check(Sku, match["sku"], "sku")
        quantity = parse_quantity(match["quantity"])
    except InvalidValue as invalid:
        raise UsageError(f"--line {text!r}: {invalid} ({_SHAPE})") from None
    if quantity < 1:
        raise UsageError(f"--line {text!r}: the quantity must be 1 or more")
    return FulfillmentLine(sku=sku, quantity=quantity)


def _parse_time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--shipped-at {text!r} is not an ISO 8601 time") from None
    if value.tzinfo is None:
        raise UsageError(f"--shipped-at {text!r} needs a UTC offset, e.g. 2026-05-01T14:30:00Z")
    return value


@fulfillments_app.command("create")
def create(
    order: Annotated[
        str | None,
        typer.Argument(
            metavar="ORDER_ID",
            help=f"The hub orderId, or {EXT}<order number> for the store's number.",
        ),
    ] = None,
    lines: Annotated[
        list[str] | None,
        typer.Option(
            "--line",
            metavar="SKU:QTY",
            help="A line shipped; repeat for more. Without --line: every line left, in full.",
        ),
    ] = None,
    tracking: Annotated[
        list[str] | None,
        typer.Option("--tracking", metavar="NUMBER", help="A tracking number; repeat for several."),
    ] = None,
    carrier: Annotated[str | None, typer.Option("--carrier", help="The carrier, e.g. UPS.")] = None,
    method: Annotated[
        str | None, typer.Option("--method", help="The shipping service, e.g. Ground.")
    ] = None,
    tracking_url: Annotated[
        str | None, typer.Option("--tracking-url", help="A link to the tracking page.")
    ] = None,
    shipped_at: Annotated[
        str | None,
        typer.Option("--shipped-at", help="When it shipped (ISO 8601 with offset); default now."),
    ] = None,
    order_number: Annotated[
        str | None,
        typer.Option("--order", help=f"The store's order number (same as {EXT}<number>)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the fulfillment as the REST API shapes it.")
    ] = False,
) -> None:
    """Create a fulfillment of an order; fulfillments.push carries it to the store."""
    from orderhub.domain import Fulfillment
    from orderhub.services.fulfillments import (
        EXT_PREFIX,
        create_fulfillment,
        find_order_id,
        unfulfilled_lines,
    )
    from orderhub.store.records import EntityKind, get_record

    if (order is None) == (order_number is None):
        raise UsageError(f"Name the order once: ORDER_ID (hub id or {EXT}<number>) or --order")
    ref = order if order is not None else f"{EXT_PREFIX}{order_number}"
    with open_hub() as hub:
        order_id = find_order_id(hub, ref)
        wanted = [parse_line(text) for text in lines or []]
        if not wanted:
            wanted = unfulfilled_lines(hub, order_id)
            if not wanted:
                raise UsageError(f"Order {ref} has nothing left to fulfil")
        fulfillment = Fulfillment(
            order_id=order_id,
            line_items=wanted,
            tracking_numbers=list(tracking or []),
            tracking_url=tracking_url,
            shipping_carrier=carrier,
            shipping_class=method,
            actual_ship_date=_parse_time(shipped_at) if shipped_at else None,
        )
        created = create_fulfillment(hub, fulfillment, actor="cli")
        with hub.db.read_session() as session:
            record = get_record(session, EntityKind.ORDER, order_id)
        integration = record.integration_id if record is not None else None
    if as_json:
        print_json(created)
        return
    shipped = ", ".join(f"{line['sku']} x{line['quantity']}" for line in created["lineItems"])
    console.print(
        shown(
            f"Fulfillment {created['fulfillmentId']} of order #{created.get('extOrderId')}: "
            f"{shipped}"
        )
    )
    if integration is not None:
        console.print(
            shown(
                "fulfillments.push sends it to the store on its next run "
                f"(now: `orderhub sync {integration} fulfillments.push`)."
            )
        )
