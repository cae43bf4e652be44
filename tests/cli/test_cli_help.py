"""Every help page reads as a person expects: no `<bool>` after a flag, no `{integration_id}`
or `<list[str]>`, arguments named in capitals (`orderhub sync INTEGRATION_ID [FLOWS...]`)."""

from __future__ import annotations

import re

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

from orderhub.cli.main import app


def _paths(command: object, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    if isinstance(command, TyperGroup):
        for name, sub in command.commands.items():
            found += _paths(sub, (*path, name))
    return found


PATHS = _paths(typer.main.get_command(app))


def test_every_command_is_reached() -> None:
    assert ("sync",) in PATHS
    assert ("integrations", "verify") in PATHS
    assert len(PATHS) > 30


@pytest.mark.parametrize("path", PATHS, ids=lambda path: " ".join(path) or "orderhub")
def test_a_help_page_has_none_of_the_odd_renderings(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})

    assert result.exit_code == 0, result.output
    page = result.stdout
    assert "<bool>" not in page
    assert "list[" not in page
    assert not re.search(r"\{\w+\}", page)  # `{integration_id}` in the usage line
    usage = next(line for line in page.splitlines() if "Usage:" in line)
    assert not re.search(r"\b[a-z_]+\]?\.\.\.", usage), usage  # `[flows]...`


def test_the_usage_line_names_the_arguments() -> None:
    page = CliRunner().invoke(app, ["sync", "--help"], env={"COLUMNS": "200"}).stdout

    assert "Usage: orderhub sync [OPTIONS] INTEGRATION_ID [FLOWS...]" in page
