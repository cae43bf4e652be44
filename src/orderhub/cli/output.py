"""How the CLI prints: Rich tables for people, a JSON array for `--json`, one line for errors.

Everything printed from data (a store's order numbers and e-mails, a merchant's product names,
an error's message) goes through `shown`: a Rich `Text`, which Rich never reads as markup, so
`eve[/i]@example.com` is printed as typed instead of failing the command, and
`[link=…]click[/link]` cannot hide a link. Control characters (C0, DEL, C1) are shown as
`\\x1b`-style escapes: an order number holding `ESC [2J` must not clear the merchant's screen
or open a terminal hyperlink.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

__all__ = ["console", "err_console", "print_json", "print_table", "shown", "visible"]

# Piped output has no terminal width to honour; a wide table reads better than a wrapped one.
_PIPE_WIDTH = 200
console = Console(highlight=False, width=None if sys.stdout.isatty() else _PIPE_WIDTH)
err_console = Console(
    stderr=True, highlight=False, width=None if sys.stderr.isatty() else _PIPE_WIDTH
)
_ISO_TIME = re.compile(r"^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def visible(text: str) -> str:
    """`text` with every control character written as an escape (`\\x1b`, `\\n`, …)."""
    return _CONTROL.sub(lambda m: _NAMED.get(m.group(), f"\\x{ord(m.group()):02x}"), text)


def shown(*parts: object) -> Text:
    """Data made printable: the parts joined as plain text, never markup, no control codes."""
    return Text(visible("".join(str(part) for part in parts)))


def print_json(value: Any) -> None:
    """JSON exactly as the REST API shapes it; written raw so nothing wraps or colours it.

    `json.dumps` (ASCII by default) writes every control character as a `\\u00XX` escape.
    """
    sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")
    sys.stdout.flush()


def print_table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    table = Table(title=shown(title), title_justify="left")
    for column in columns:
        table.add_column(shown(column))
    for row in rows:
        table.add_row(*(shown(_cell(cell)) for cell in row))
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
