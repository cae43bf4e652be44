"""`orderhub products import FILE.csv`: hub-native products for products.push to carry."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from orderhub.cli.app import products_app
from orderhub.cli.context import open_hub
from orderhub.cli.output import console, err_console, print_json
from orderhub.errors import UsageError
from orderhub.services.products import import_products_csv

__all__ = ["import_csv"]


@products_app.command("import")
def import_csv(
    path: Annotated[
        Path,
        typer.Argument(
            help="CSV with a header line: sku, name, description, price, cost, retailPrice, "
            "weight, weightUnit, upc, status, categories, imageUrls, … (blank cell: keep; "
            "'/': clear)."
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Create or update products from a CSV file; bad rows are listed, the others land.

    Exits non-zero if any row was refused.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UsageError(f"No file {str(path)!r}") from None
    except (OSError, UnicodeDecodeError) as problem:
        raise UsageError(f"Cannot read {str(path)!r}: {problem}") from None
    with open_hub() as hub:
        report = import_products_csv(hub, text, actor="cli")
    if as_json:
        print_json(
            {
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "errors": [{"line": e.line, "message": e.message} for e in report.errors],
            }
        )
    else:
        console.print(
            f"Imported {path.name}: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {len(report.errors)} refused",
            markup=False,
        )
        for error in report.errors:
            err_console.print(f"  line {error.line}: {error.message}", markup=False)
    if not report.ok:
        raise typer.Exit(1)
