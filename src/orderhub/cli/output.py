"""How the CLI prints: Rich tables for people, a JSON array for `--json`, one line for errors."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

__all__ = ["console", "err_console", "print_json", "print_table"]

# Piped output has no terminal width to honour; a wide table reads better than a wrapped one.
_PIPE_WIDTH = 200
console = Console(highlight=False, width=None if sys.stdout.isatty() else _PIPE_WIDTH)
err_console = Console(
    stderr=True, highlight=False, width=None if sys.stderr.isatty() else _PIPE_WIDTH
)
_ISO_TIME = re.compile(r"^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$")


def print_json(value: Any) -> None:
    """JSON exactly as the REST API shapes it; written raw so nothing wraps or colours it."""
    sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")
    sys.stdout.flush()


def print_table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(_cell(cell) for cell in row))
    console.print(table)


def _cell(value: Any) -> str:
    """Blank for None; times shortened to minutes (UTC), which is what a person scans for."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(UTC).isoformat()
    text = str(value)
    match = _ISO_TIME.match(text)
    if match and match.group(5) in ("Z", "+00:00"):
        return f"{match.group(1)} {match.group(2)}"
    return text
