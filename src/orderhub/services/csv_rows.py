"""The one CSV reader of the hub's imports (inventory, products), so they number and refuse alike.

- A byte-order mark (as Excel writes) is dropped.
- The header is the first row that is not blank; blank rows are skipped everywhere.
- Each row carries the line it starts on (a quoted cell may hold line breaks, so a row can
  span lines): that is the line a merchant finds it on in an editor.
- Column names are compared by `column_key`: without case, spaces or punctuation (`On Hand`,
  `on_hand` and `onHand` are one column).
- A cell longer than `MAX_FIELD` characters makes its row refused, not the whole file. Python's
  `csv` module raises at such a cell and cannot resume reliably (inside a quoted cell that spans
  lines, reading on from the next line would take the rest of that cell for new rows), so the
  text is read with a limit it cannot reach and long cells are refused row by row.
"""

from __future__ import annotations

import csv
import io
import threading
from dataclasses import dataclass, field
from typing import Final

__all__ = ["MAX_FIELD", "CsvRow", "CsvTable", "column_key", "read_csv"]

MAX_FIELD: Final = 131_072
"""The longest cell an import accepts: Python's default `csv.field_size_limit`."""

# `csv.field_size_limit` is one setting for the whole process: imports on several threads
# (the portal, the API) take turns to raise it while they read, and put it back after.
_LIMIT_LOCK = threading.Lock()


@dataclass(frozen=True)
class CsvRow:
    """One row: the line it starts on, its cells, and why it cannot be imported, if so."""

    line: int
    cells: list[str]
    problem: str | None = None


@dataclass(frozen=True)
class CsvTable:
    """A file's header row (None when the file holds no row at all) and the rows after it."""

    header: CsvRow | None
    rows: list[CsvRow] = field(default_factory=list)


def read_csv(text: str) -> CsvTable:
    """Every non-blank row of `text`, numbered; a row with a cell over `MAX_FIELD` characters
    (or that the `csv` module cannot read) comes back with its `problem` and no cells."""
    rows = _numbered_rows(text.removeprefix("\ufeff"))
    if not rows:
        return CsvTable(header=None)
    header, body = rows[0], rows[1:]
    names = header.cells
    return CsvTable(header=_bounded(header, names), rows=[_bounded(row, names) for row in body])


def column_key(name: str | None) -> str:
    """How a header cell is matched to a known column: its letters and digits, case folded."""
    return "".join(ch for ch in (name or "").casefold() if ch.isalnum())


def _numbered_rows(text: str) -> list[CsvRow]:
    # newline="": the reader sees line endings as they are, so quoted line breaks stay in
    # their cell and `line_num` counts every line (CR LF, LF or CR).
    reader = csv.reader(io.StringIO(text, newline=""))
    with _LIMIT_LOCK:
        previous = csv.field_size_limit(max(MAX_FIELD, len(text) + 1))
        try:
            rows: list[CsvRow] = []
            start = 1  # the line the next row starts on
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    break
                except csv.Error as problem:
                    # Not one of our files' shapes: what came before lands, the rest is refused.
                    rows.append(
                        CsvRow(start, [], f"cannot be read as CSV ({problem}); import stopped")
                    )
                    break
                if any(cell.strip() for cell in cells):
                    rows.append(CsvRow(start, cells))
                start = reader.line_num + 1
        finally:
            csv.field_size_limit(previous)
    return rows


def _bounded(row: CsvRow, names: list[str]) -> CsvRow:
    for index, cell in enumerate(row.cells):
        if len(cell) > MAX_FIELD:
            name = names[index].strip() if index < len(names) and len(names[index]) <= 100 else ""
            where = f"the {name} column" if name else f"column {index + 1}"
            return CsvRow(
                row.line, [], f"a field is longer than {MAX_FIELD:,} characters ({where})"
            )
    return row
