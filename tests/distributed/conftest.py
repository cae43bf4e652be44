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
from collections.abc import Callable, Iterator
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
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERHUB_")}
    env["ORDERHUB_HOME"] = str(hub_settings.home)
    env["ORDERHUB_DATABASE_URL"] = hub_settings.database_url
    env["ORDERHUB_SECRET_KEY"] = hub_settings.secret_key
    started: list[WorkerProcess] = []

    def start(*args: str) -> WorkerProcess:
        log = tmp_path / f"worker-{len(started)}.log"
        with log.open("wb") as handle:
            process = subprocess.Popen(
                [sys.executable, "-m", "orderhub.cli.main", "worker", *args],
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        worker = WorkerProcess(process=process, log=log)
        started.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()
