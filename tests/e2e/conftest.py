"""End-to-end fixtures: a sandbox store served on loopback and a hub in a temporary home."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig, serve_sandbox
from orderhub.hub import Hub, build_hub
from orderhub.settings import Settings


@dataclass
class Store:
    sandbox: Sandbox
    url: str

    @property
    def token(self) -> str:
        return self.sandbox.full_token


@pytest.fixture
def serve_store() -> Iterator[Callable[..., Store]]:
    """Start sandbox stores on free loopback ports; all are stopped after the test."""
    stack: list[object] = []

    def start(**config: object) -> Store:
        sandbox = Sandbox(SandboxConfig(**config))  # type: ignore[arg-type]
        server_cm = serve_sandbox(sandbox, host="127.0.0.1", port=0)
        server = server_cm.__enter__()
        stack.append(server_cm)
        return Store(sandbox=sandbox, url=server.url)

    yield start
    for server_cm in reversed(stack):
        server_cm.__exit__(None, None, None)  # type: ignore[attr-defined]


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
