"""CLI fixtures: `orderhub …` run in-process (Typer's CliRunner) on a hub in a temporary home.

The command builds its hub from the environment, as the console script does; the test holds a
second `Hub` on the same SQLite file to seed records and read back what the command did.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from orderhub.cli.main import app
from orderhub.hub import Hub, build_hub
from orderhub.settings import Settings

SECRET_KEY = "cli-test-secret-key-0123456789abcdef"


@dataclass
class Cli:
    env: dict[str, str | None]
    hub: Hub

    def __call__(self, *args: str) -> Result:
        return CliRunner().invoke(app, list(args), env=self.env)


@pytest.fixture
def cli(tmp_path: Path, sqlite_template: Path) -> Iterator[Cli]:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copyfile(sqlite_template, home / "orderhub.db")
    env: dict[str, str | None] = {
        "ORDERHUB_HOME": str(home),
        "ORDERHUB_DATABASE_URL": f"sqlite:///{home / 'orderhub.db'}",
        "ORDERHUB_SECRET_KEY": SECRET_KEY,
        "ORDERHUB_CALL_BUDGET": None,
        "ORDERHUB_DEBUG": None,
        "COLUMNS": "200",
    }
    hub = build_hub(
        Settings(home=home, database_url=str(env["ORDERHUB_DATABASE_URL"]), secret_key=SECRET_KEY),
        migrate=False,
    )
    try:
        yield Cli(env=env, hub=hub)
    finally:
        hub.close()
