"""End-to-end fixtures: a hub in a temporary home (stores: `serve_store` in tests/conftest.py).

`cli` runs `orderhub …` in this process through Typer's CliRunner, as tests/cli does: the
command builds its own hub from the environment, exactly as the console script would, without
the second or so a fresh interpreter costs per command. `cli_process` runs the real console
entry point in a subprocess; keep it for what only a process shows (the top-level error
handler's one-line messages, a SIGKILL mid-run), in a few tests marked `slow`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orderhub.cli.main import app
from orderhub.hub import Hub, build_hub
from orderhub.settings import Settings


@pytest.fixture
def hub_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    return home


@pytest.fixture
def hub_env(hub_home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERHUB_")}
    env["ORDERHUB_HOME"] = str(hub_home)
    env["COLUMNS"] = "200"
    return env


@pytest.fixture
def hub(hub_env: dict[str, str]) -> Iterator[Hub]:
    hub = build_hub(Settings.from_env(hub_env))
    yield hub
    hub.close()


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


def in_process_cli(home: Path) -> Callable[..., CliResult]:
    """`orderhub …` run in this process (CliRunner) on the hub in `home`."""
    # The environment `hub_env` gives a process: no ORDERHUB_* but the home.
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("ORDERHUB_")}
    env["ORDERHUB_HOME"] = str(home)
    env["COLUMNS"] = "200"

    def run(*args: str) -> CliResult:
        done = CliRunner().invoke(app, list(args), env=env)
        # An error the console script would print as one line is raised here instead, with
        # its traceback: these tests expect success (cli_process tests the printed errors).
        if done.exception is not None and not isinstance(done.exception, SystemExit):
            raise done.exception
        return CliResult(done.exit_code, done.stdout, done.stderr)

    return run


@pytest.fixture
def cli(hub_home: Path) -> Callable[..., CliResult]:
    """Run `orderhub …` in-process (CliRunner) in the test's hub home."""
    return in_process_cli(hub_home)


@pytest.fixture
def cli_process(hub_env: dict[str, str]) -> Callable[..., CliResult]:
    """Run `orderhub …` as a real process in the test's hub home."""

    def run(*args: str, timeout: float = 120.0) -> CliResult:
        done = subprocess.run(
            [sys.executable, "-m", "orderhub.cli.main", *args],
            env=hub_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return CliResult(done.returncode, done.stdout, done.stderr)

    return run
