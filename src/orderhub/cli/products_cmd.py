"""`orderhub products import FILE.csv`: hub-native products for products.push to carry."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from orderhub.cli.app import products_app
from orderhub.cli.context import open_hub
from orderhub.cli.imports import read_csv_text, report_import

__all__ = ["import_csv"]


@products_app.command("import")
def import_csv(
    path: Annotated[
        Path,
        typer.Argument(
            metavar="FILE.csv",
            help="CSV with a header line: sku, name, description, price, cost, retailPrice, "
            "weight, weightUnit, upc, status, categories, imageUrls, … (blank cell: keep; "
            "'/': clear).",
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Create or update products from a CSV file; bad rows are listed, the others land.

    Exits non-zero if any row was refused.
    """
    from orderhub.services.products import import_products_csv

    text = read_csv_text(path)
    with open_hub() as hub:
        report = import_products_csv(hub, text, actor="cli")
    report_import(path, report, as_json=as_json)
