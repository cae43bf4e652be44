"""What every `… import FILE.csv` command shares: reading the file, and reporting row by row."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from orderhub.cli.output import console, err_console, print_json, shown
from orderhub.errors import UsageError

if TYPE_CHECKING:
    from orderhub.services.results import ImportReport

__all__ = ["read_csv_text", "report_import"]


def read_csv_text(path: Path) -> str:
    """The file's text; a byte-order mark (as Excel writes) is dropped."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UsageError(f"No file {str(path)!r}") from None
    except (OSError, UnicodeDecodeError) as problem:
        raise UsageError(f"Cannot read {str(path)!r}: {problem}") from None


def report_import(path: Path, report: ImportReport, *, as_json: bool = False) -> None:
    """Print what landed and each refused row; exit non-zero if any row was refused."""
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
            shown(
                f"Imported {path.name}: {report.created} created, {report.updated} updated, "
                f"{report.unchanged} unchanged, {len(report.errors)} refused"
            )
        )
        for error in report.errors:
            err_console.print(shown(f"  line {error.line}: {error.message}"))
    if not report.ok:
        raise typer.Exit(1)
