"""`orderhub inventory set SKU QTY [--location L]` and `orderhub inventory import FILE.csv`.

Hub-side stock that the inventory.push flow carries to the store on its next run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from orderhub.cli.app import inventory_app
from orderhub.cli.context import open_hub
from orderhub.cli.imports import read_csv_text, report_import
from orderhub.cli.output import console, print_json, shown

__all__ = ["import_csv", "set_stock"]


@inventory_app.command("set")
def set_stock(
    sku: Annotated[str, typer.Argument(help="The SKU.")],
    # Text, not `int`: click's int() reads "٣" as 3; the service accepts ASCII digits only.
    quantity: Annotated[str, typer.Argument(help="On-hand quantity: 0 to 2,147,483,647.")],
    location: Annotated[
        str | None,
        typer.Option(
            "--location",
            help="Location id, external id (warehouse:1) or name. Needed when the hub has "
            "several active locations; default: the only one (none yet: a hub location "
            "named Default).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the record as JSON.")] = False,
) -> None:
    """Set a SKU's on-hand stock at a location (the next inventory.push sends it)."""
    from orderhub.services.inventory import set_inventory

    with open_hub() as hub:
        record = set_inventory(hub, sku=sku, quantity=quantity, location_id=location, actor="cli")
    if as_json:
        print_json(record)
        return
    console.print(
        shown(
            f"{record['sku']} at location {record['locationId']}: on hand {record['onHand']}, "
            f"available {record['available']}"
        )
    )


@inventory_app.command("import")
def import_csv(
    path: Annotated[
        Path,
        typer.Argument(metavar="FILE.csv", help="CSV with columns sku, quantity[, location]."),
    ],
) -> None:
    """Set stock for many SKUs from a CSV file; bad rows are listed, the others land.

    Exits non-zero if any row was refused.
    """
    from orderhub.services.inventory import import_inventory_csv

    text = read_csv_text(path)
    with open_hub() as hub:
        report = import_inventory_csv(hub, text, actor="cli")
    report_import(path, report)
