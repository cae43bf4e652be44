"""A hub connected to an in-process sandbox store, for the reliability matrix."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig, SandboxTransport
from orderhub.domain import ExceptionStatus, FlowName, Run, RunStatus, SyncException
from orderhub.engine import FlowRunner
from orderhub.hub import Hub, default_registry
from orderhub.secrets import SecretBox
from orderhub.services.integrations import add_integration, enable_flow
from orderhub.settings import Settings
from orderhub.store import exceptions as exception_store
from orderhub.store.database import Database

KEY = "reliability-matrix-secret-key"
STORE_URL = "http://127.0.0.1:9"  # the in-process transport never opens a socket
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass
class World:
    hub: Hub
    sandbox: Sandbox
    integration_id: str
    http: httpx.Client

    def run(self, flow: FlowName, **options: Any) -> Run:
        runner = FlowRunner(
            self.hub.db,
            self.hub.box,
            self.hub.registry,
            http_factory=lambda _integration: self.http,
            sleep=lambda _seconds: None,
        )
        return runner.run_flow(self.integration_id, flow, **options)

    def must_run(self, flow: FlowName, **options: Any) -> Run:
        run = self.run(flow, **options)
        assert run.status is RunStatus.SUCCEEDED, run.error
        return run

    def api(self, path: str, **params: Any) -> Any:
        answer = self.http.get(
            f"{STORE_URL}/api/v1/{path}",
            params=params,
            headers={"X-AC-Auth-Token": self.sandbox.full_token, "Cache-Control": "no-cache"},
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    def calls(self, endpoint: str) -> int:
        return int(self.sandbox.calls()["byEndpoint"].get(endpoint, 0))

    def open_exceptions(self, flow: FlowName) -> list[SyncException]:
        with self.hub.db.read_session() as session:
            items = exception_store.list_exceptions(session, status=ExceptionStatus.OPEN)
        return [item for item in items if item.flow == flow]


@pytest.fixture
def world(sqlite_template: Path, tmp_path: Path) -> Iterator[World]:
    sandbox = Sandbox(SandboxConfig(seed=31, orders=8, products=30, plan="unlimited"))
    yield from new_world(
        sqlite_template, tmp_path, sandbox, pulls=(FlowName.LOCATIONS_PULL, FlowName.ORDERS_PULL)
    )


def new_world(
    sqlite_template: Path,
    tmp_path: Path,
    sandbox: Sandbox,
    *,
    pulls: tuple[FlowName, ...],
    token: str | None = None,
) -> Iterator[World]:
    """A hub on a fresh SQLite copy, connected to `sandbox` (with `token`, else the full-scope
    one), with `pulls` on and run once."""
    path = tmp_path / "hub.db"
    shutil.copyfile(sqlite_template, path)
    database = Database.from_url(f"sqlite:///{path}", migrate=False)
    settings = Settings(home=tmp_path, database_url="unused://", secret_key=KEY)
    hub = Hub(settings=settings, db=database, box=SecretBox(KEY), registry=default_registry())
    http = httpx.Client(transport=SandboxTransport(sandbox.app))
    key = token or sandbox.full_token
    added = add_integration(hub, api_url=STORE_URL, api_key=key, http=http)
    assert added.report.connected, added.report.summary
    world = World(hub, sandbox, added.integration.integration_id, http)
    for flow in pulls:
        enable_flow(hub, world.integration_id, flow, since=LONG_AGO)
        world.must_run(flow)
    try:
        yield world
    finally:
        http.close()
        database.dispose()
