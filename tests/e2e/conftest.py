"""End-to-end fixtures: a hub in a temporary home (stores: `serve_store` in tests/conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

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


@pytest.fixture
def cli(hub_env: dict[str, str]) -> Callable[..., CliResult]:
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
