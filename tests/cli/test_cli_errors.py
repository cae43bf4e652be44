"""A command that cannot do what it was asked says why in one line on stderr, and exits 1.

In-process (CliRunner) as well as from the console script: the app itself turns an error into
that line, not only `main()` around it.
"""

from __future__ import annotations

import pytest

from .conftest import Cli


def one_error_line(output: str) -> str:
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert "Traceback" not in output
    assert lines[0].startswith("Error: ")
    return lines[0]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["flows", "enable", "doesnotexist", "orders.pull"], "No integration with id"),
        (["sync", "doesnotexist"], "No integration with id"),
        (["inventory", "set", "A\x1b[2J", "3"], "sku: holds a control character (ESC"),
        (["exceptions", "retry", "nope"], "No exception with id 'nope'"),
    ],
)
def test_errors_are_one_line_without_a_traceback(cli: Cli, args: list[str], words: str) -> None:
    result = cli(*args)

    assert result.exit_code == 1
    assert result.stdout == ""
    line = one_error_line(result.stderr)
    assert words in line
    assert "\x1b" not in result.stderr
