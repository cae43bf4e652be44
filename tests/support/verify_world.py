"""A hub connected to an in-process sandbox store, for the completeness (verify) tests.

The sandbox is mounted with `SandboxTransport` (no socket, no thread): the flows' runner and
the verifier both get the same `httpx.Client` on it. SQLite and PostgreSQL variants come from
the suite's `database` fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import delete

from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig, SandboxTransport
from orderhub.connectors.cartcom.sandbox.timefmt import datetime_to_ms, grid_ms
from orderhub.domain import FlowName, Run, RunStatus, Verification
from orderhub.engine import FlowRunner
from orderhub.engine.cursors import PullCursor
from orderhub.hub import Hub, default_registry
from orderhub.secrets import SecretBox
from orderhub.services.integrations import add_integration, enable_flow
from orderhub.services.verification import Verifier
from orderhub.settings import Settings
from orderhub.store import integrations as integration_store
from orderhub.store.database import Database
from orderhub.store.dialect import rowcount
from orderhub.store.entities import EntityKind
from orderhub.store.tables import RecordRow

KEY = "verification-test-secret-key"
STORE_URL = "http://127.0.0.1:9"  # the in-process transport never opens a socket
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass
class VerifyWorld:
    hub: Hub
    sandbox: Sandbox
    integration_id: str
    http: httpx.Client
    runner: FlowRunner
    verifier: Verifier

    def run(self, flow: FlowName) -> Run:
        run = self.runner.run_flow(self.integration_id, flow)
        assert run.status is RunStatus.SUCCEEDED, run.error
        return run

    def enable(self, flow: FlowName) -> None:
        enable_flow(self.hub, self.integration_id, flow, since=LONG_AGO)

    def verify(self, **options: Any) -> dict[FlowName, Verification]:
        found = self.verifier.verify(self.integration_id, **options)
        return {verification.flow: verification for verification in found}

    def cursor_time(self, flow: FlowName, stream: str | None = None) -> datetime:
        """Where the flow's cursor stands on `stream` (orders.pull: `orders`, products.pull:
        `products` or `variant_inventory`)."""
        return pull_position(self.hub, self.integration_id, flow, stream)

    def touch(self, table: str, record_id: int, when: datetime) -> None:
        """Set a store record's `updated_at` (as if it had changed then)."""
        store = self.sandbox.store
        row = store.table(table).row_of(record_id)
        assert row is not None
        store.touch(table, row, grid_ms(datetime_to_ms(when)))

    def drop_record(self, kind: EntityKind, ext_id: str) -> None:
        """Lose a hub record, as a bug or a bad restore would (the gap verify must find)."""
        with self.hub.db.session() as session:
            gone = session.execute(
                delete(RecordRow).where(
                    RecordRow.kind == kind.value,
                    RecordRow.integration_id == self.integration_id,
                    RecordRow.ext_id == ext_id,
                )
            )
        assert rowcount(gone) == 1

    def calls(self, endpoint: str) -> int:
        return int(self.sandbox.calls()["byEndpoint"].get(endpoint, 0))


def pull_position(
    hub: Hub, integration_id: str, flow: FlowName, stream: str | None = None
) -> datetime:
    """Where a pull flow's saved cursor stands on one stream: before it, the flow never reads."""
    name = stream or flow.value.split(".", 1)[0]
    with hub.db.read_session() as session:
        saved = integration_store.get_flow_state(session, integration_id, flow).cursor
    assert saved is not None
    return PullCursor.from_json(saved, primary=name).positions[name].updated_at


def make_world(
    database: Database, home: Path, *, orders: int = 40, products: int = 12
) -> Iterator[VerifyWorld]:
    sandbox = Sandbox(SandboxConfig(seed=41, orders=orders, products=products, plan="unlimited"))
    settings = Settings(home=home, database_url="unused://", secret_key=KEY)
    hub = Hub(settings=settings, db=database, box=SecretBox(KEY), registry=default_registry())
    http = httpx.Client(transport=SandboxTransport(sandbox.app))
    added = add_integration(hub, api_url=STORE_URL, api_key=sandbox.full_token, http=http)
    assert added.report.connected, added.report.summary
    runner = FlowRunner(
        hub.db,
        hub.box,
        hub.registry,
        http_factory=lambda _integration: http,
        sleep=lambda _seconds: None,
        share_call_budgets=False,
    )
    verifier = Verifier.for_hub(
        hub, runner=runner, http_factory=lambda _integration: http, sleep=lambda _s: None
    )
    try:
        yield VerifyWorld(hub, sandbox, added.integration.integration_id, http, runner, verifier)
    finally:
        http.close()


def minutes_ago(minutes: float) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=minutes)
