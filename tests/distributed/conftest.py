"""Fixtures for the multi-worker tests: a fresh PostgreSQL database, a hub, worker processes.

Workers are real `orderhub worker` subprocesses pointed at the test's own database (a copy of
the migrated template made by `postgres_server` in tests/conftest.py). Their logs go to files
in the test's tmp dir, and each is stopped with SIGTERM (then SIGKILL) after the test.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from orderhub.hub import Hub, build_hub
from orderhub.settings import Settings


@dataclass
class WorkerProcess:
    """One `orderhub worker` subprocess and its log file."""

    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM, wait for a graceful exit; SIGKILL if it does not come. Returns the code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


StartWorker = Callable[..., WorkerProcess]


def hub_process_env(settings: Settings) -> dict[str, str]:
    """The environment of an `orderhub` subprocess on these settings (and no other ORDERHUB_*)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERHUB_")}
    env["ORDERHUB_HOME"] = str(settings.home)
    env["ORDERHUB_DATABASE_URL"] = settings.database_url
    env["ORDERHUB_SECRET_KEY"] = settings.secret_key
    return env


def launch_worker(settings: Settings, log: Path, args: Sequence[str]) -> WorkerProcess:
    """Start one `orderhub worker` with these options, its output going to `log`."""
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "orderhub.cli.main", "worker", *args],
            env=hub_process_env(settings),
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    return WorkerProcess(process=process, log=log)


@pytest.fixture
def pg_database_url(postgres_server: Any) -> Iterator[str]:
    """A fresh migrated PostgreSQL database (these tests have no SQLite variant)."""
    if postgres_server is None:
        pytest.skip("no PostgreSQL server (ORDERHUB_TEST_DATABASE_URL unset, none on 5432)")
    name = postgres_server.create(migrated=True)
    try:
        yield postgres_server.url_for(name)
    finally:
        postgres_server.drop(name)


@pytest.fixture
def hub_settings(pg_database_url: str, tmp_path: Path) -> Settings:
    home = tmp_path / "home"
    home.mkdir()
    return Settings(home=home, database_url=pg_database_url, secret_key=secrets.token_urlsafe(32))


@pytest.fixture
def pg_hub(hub_settings: Settings) -> Iterator[Hub]:
    hub = build_hub(hub_settings, migrate=False)
    yield hub
    hub.close()


@pytest.fixture
def start_worker(hub_settings: Settings, tmp_path: Path) -> Iterator[StartWorker]:
    """Start `orderhub worker` processes on the test's database; all stop after the test."""
    started: list[WorkerProcess] = []

    def start(*args: str) -> WorkerProcess:
        worker = launch_worker(hub_settings, tmp_path / f"worker-{len(started)}.log", args)
        started.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()


@dataclass
class Deployment:
    """One hub deployment for a test: a fresh migrated PostgreSQL database, a hub object on it
    (for the test's own reads and writes) and `orderhub worker` processes on it."""

    label: str
    settings: Settings
    hub: Hub
    workers: list[WorkerProcess]
    log_dir: Path

    def start_worker(self, *args: str) -> WorkerProcess:
        """Start one `orderhub worker` with these options; it is stopped after the test."""
        log = self.log_dir / f"worker-{len(self.workers)}.log"
        worker = launch_worker(self.settings, log, args)
        self.workers.append(worker)
        return worker


NewDeployment = Callable[[str], Deployment]


@pytest.fixture
def pg_deployments(postgres_server: Any, tmp_path: Path) -> Iterator[NewDeployment]:
    """Make as many independent deployments as a test needs (`pg_deployments("one-worker")`).

    For tests that compare two runs of the same scenario: each deployment has a database of
    its own. After the test every worker is stopped, every hub closed, every database dropped.
    """
    if postgres_server is None:
        pytest.skip("no PostgreSQL server (ORDERHUB_TEST_DATABASE_URL unset, none on 5432)")
    made: list[tuple[str, Deployment]] = []

    def make(label: str) -> Deployment:
        name = postgres_server.create(migrated=True)
        base = tmp_path / label
        home = base / "home"
        home.mkdir(parents=True)
        settings = Settings(
            home=home,
            database_url=postgres_server.url_for(name),
            secret_key=secrets.token_urlsafe(32),
        )
        deployment = Deployment(label, settings, build_hub(settings, migrate=False), [], base)
        made.append((name, deployment))
        return deployment

    try:
        yield make
    finally:
        for name, deployment in made:
            for worker in deployment.workers:
                worker.stop()
            deployment.hub.close()
            postgres_server.drop(name)


@dataclass
class ServerProcess(WorkerProcess):
    """One `orderhub serve` subprocess, its log file, and the URL it printed once listening."""

    url: str = ""

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Read the URL the server prints, then poll `/healthz` until it answers 200."""
        # Imported here so that this fixture is purely an addition to the module.
        import re
        import time

        import httpx

        serving = re.compile(r"OrderHub at (http://\S+?)/ ")
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"orderhub serve exited early:\n{self.log.read_text()}")
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"orderhub serve did not answer in {timeout}s:\n{self.log.read_text()}"
                )
            if not self.url and (found := serving.search(self.log.read_text())):
                self.url = found.group(1)
            if self.url:
                try:
                    if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
            time.sleep(0.1)


StartServer = Callable[..., ServerProcess]


@pytest.fixture
def start_server(hub_settings: Settings, tmp_path: Path) -> Iterator[StartServer]:
    """Start `orderhub serve --port 0 ARGS…` on the test's database.

    `start_server(*args)` returns once the server answers; `start_server(*args, wait=False)`
    returns at once (start several, then `wait_ready()` each: they boot in parallel). Port 0
    lets each server pick a free port, so servers never collide; the URL is read from the line
    the server prints. After the test all servers get SIGTERM at once (then SIGKILL).
    """
    env = hub_process_env(hub_settings)
    env["COLUMNS"] = "400"  # rich wraps the printed lines to the terminal width otherwise
    started: list[ServerProcess] = []

    def start(*args: str, wait: bool = True) -> ServerProcess:
        log = tmp_path / f"server-{len(started)}.log"
        with log.open("wb") as handle:
            process = subprocess.Popen(
                [sys.executable, "-m", "orderhub.cli.main", "serve", "--port", "0", *args],
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        server = ServerProcess(process=process, log=log)
        started.append(server)
        if wait:
            server.wait_ready()
        return server

    try:
        yield start
    finally:
        for server in started:
            if server.process.poll() is None:
                server.process.send_signal(signal.SIGTERM)
        for server in started:
            server.stop()
