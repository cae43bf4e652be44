"""The README's commands table names every command `orderhub --help` lists, with its options:
a new command or option that is not documented fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.core import TyperGroup

from orderhub.cli.main import app

README = Path(__file__).resolve().parents[1] / "README.md"


def commands_section() -> list[str]:
    text = README.read_text()
    section = text[
        text.index("## Commands\n") : text.index("\n## ", text.index("## Commands\n") + 5)
    ]
    return [line for line in section.splitlines() if line.startswith("| `orderhub")]


def leaves(command: object, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], object]]:
    if isinstance(command, TyperGroup):
        found = []
        for name, sub in command.commands.items():
            found += leaves(sub, (*path, name))
        return found
    return [(path, command)]


LEAVES = leaves(typer.main.get_command(app))


def rows_naming(path: tuple[str, ...]) -> list[str]:
    *group, name = path
    found = []
    for row in commands_section():
        cell = row.split(" | ")[0]
        if group and not re.search(rf"\b{group[0]}\b", cell):
            continue
        if re.search(rf"(?<![-\w]){re.escape(name)}\b", cell):
            found.append(cell)
    return found


@pytest.mark.parametrize(
    ("path", "command"), LEAVES, ids=lambda item: " ".join(item) if isinstance(item, tuple) else ""
)
def test_each_command_and_option_is_in_the_readme(path: tuple[str, ...], command: object) -> None:
    rows = rows_naming(path)
    assert rows, f"`orderhub {' '.join(path)}` is missing from the README's commands table"
    options = [
        param.opts[0]
        for param in command.params  # type: ignore[attr-defined]
        if param.opts and param.opts[0].startswith("--") and param.opts[0] != "--help"
    ]
    missing = [option for option in options if not any(option in row for row in rows)]
    assert not missing, f"`orderhub {' '.join(path)}`: {missing} not in the README"
