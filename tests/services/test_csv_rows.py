"""The imports' CSV reader: numbered rows, a BOM dropped, a long cell refused on its own row."""

from __future__ import annotations

import csv

import pytest

from orderhub.services.csv_rows import MAX_FIELD, CsvRow, column_key, read_csv

LONG = "x" * (MAX_FIELD + 1)


def test_rows_carry_the_line_they_start_on_and_blank_rows_are_skipped() -> None:
    text = '\ufeffsku,name\r\n\r\nA,"two\r\nlines"\r\n,\r\nB,"three\nmore\nlines"\nC,c\n'

    table = read_csv(text)

    assert table.header == CsvRow(1, ["sku", "name"])
    assert table.rows == [
        CsvRow(3, ["A", "two\r\nlines"]),
        CsvRow(6, ["B", "three\nmore\nlines"]),
        CsvRow(9, ["C", "c"]),
    ]


def test_an_empty_file_has_no_header() -> None:
    assert read_csv("").header is None
    assert read_csv("\ufeff\n\n").header is None


def test_a_cell_over_the_limit_refuses_its_row_and_the_rows_after_it_are_read() -> None:
    text = (
        "sku,description\n"
        "A,short\n"
        f"B,{LONG}\n"
        f'C,"{LONG}\nspanning\nlines, with ""quotes"" and, commas"\n'
        "D,after\n"
        f"E,{'y' * MAX_FIELD}\n"
    )
    limit = csv.field_size_limit()

    table = read_csv(text)

    assert [(row.line, row.cells[:1], row.problem) for row in table.rows] == [
        (2, ["A"], None),
        (3, [], "a field is longer than 131,072 characters (the description column)"),
        (4, [], "a field is longer than 131,072 characters (the description column)"),
        (7, ["D"], None),
        (8, ["E"], None),  # exactly the limit is allowed
    ]
    assert csv.field_size_limit() == limit  # the process-wide setting is put back


def test_a_long_header_cell_is_the_headers_problem() -> None:
    table = read_csv(f"sku,{LONG}\nA,1\n")

    assert table.header == CsvRow(1, [], "a field is longer than 131,072 characters (column 2)")
    assert table.rows == [CsvRow(2, ["A", "1"])]


@pytest.mark.parametrize(
    "name", ["onhand", "On Hand", "on_hand", "onHand", " ON-HAND ", "\ufeffOnHand"]
)
def test_every_import_matches_column_names_one_way(name: str) -> None:
    assert column_key(name) == "onhand"
