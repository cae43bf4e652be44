"""A hub with a public URL, connected to a sandbox store in process, for the webhook suites.

Both directions go through `SandboxTransport`, no socket: the hub calls the store (flow runs,
subscriptions) through `hub.http_factory`, and the store delivers its webhooks to the hub's
web app (`sandbox.webhooks.transport`), so a delivery takes the real path — receiver, inbox,
trigger — without a server.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from orderhub.clock import Clock, SystemClock
from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig, SandboxTransport
from orderhub.domain import FlowName, Run, RunStatus
from orderhub.engine import EmbeddedScheduler
from orderhub.hub import Hub, default_registry
from orderhub.secrets import SecretBox
from orderhub.services.integrations import add_integration
from orderhub.settings import Settings
from orderhub.store import integrations as integration_store
from orderhub.store import runs as run_store
from orderhub.store.database import Database
from orderhub.store.records import EntityKind, list_records
from orderhub.web import create_web_app

__all__ = ["HUB_URL", "LONG_AGO", "STORE_URL", "WebhookWorld", "webhook_world"]

KEY = "webhook-world-secret-key"
STORE_URL = "http://127.0.0.1:9"  # never opened: the in-process transport answers
HUB_URL = "http://hub.test"
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass
class WebhookWorld:
    hub: Hub
    sandbox: Sandbox
    http: httpx.Client
    integration_id: str

    def subscriptions(self) -> list[tuple[str, str]]:
        """The store's subscriptions as (event type, url), sorted."""
        answer = self.http.get(
            f"{STORE_URL}/api/v1/webhooks",
            params={"count": "250"},
            headers={"X-AC-Auth-Token": self.sandbox.full_token, "Cache-Control": "no-cache"},
        )
        assert answer.status_code == 200, answer.text
        return sorted((w["event_type"], w["url"]) for w in answer.json()["webhooks"])

    def store_orders(self) -> dict[str, str]:
        """Every order of the store: id -> updated_at, as the API lists them."""
        found: dict[str, str] = {}
        page = 1
        while True:
            answer = self.http.get(
                f"{STORE_URL}/api/v1/orders",
                params={"count": "250", "page": str(page), "fields": "id,updated_at"},
                headers={"X-AC-Auth-Token": self.sandbox.full_token, "Cache-Control": "no-cache"},
            )
            body: dict[str, Any] = answer.json()
            found.update({str(o["id"]): str(o["updated_at"]) for o in body["orders"]})
            if "next_page" not in body:
                return found
            page += 1

    def hub_orders(self) -> dict[str, dict[str, Any]]:
        with self.hub.db.read_session() as session:
            records = list_records(session, EntityKind.ORDER, limit=1_000_000)
        return {record.ext_id: record.to_wire() for record in records}

    def runs(self, flow: FlowName) -> list[Run]:
        with self.hub.db.read_session() as session:
            return run_store.list_runs(
                session, integration_id=self.integration_id, flow=flow, limit=10_000
            )

    def set_interval(self, flow: FlowName, seconds: int) -> None:
        with self.hub.db.session() as session:
            integration_store.set_flow_interval(session, self.integration_id, flow, seconds)

    def scheduler(self, *, tick_seconds: float = 1.0) -> EmbeddedScheduler:
        return EmbeddedScheduler(
            self.hub.runner(), self.hub.db, clock=self.hub.clock, tick_seconds=tick_seconds
        )

    def deliver_to_hub(self, scheduler: EmbeddedScheduler | None = None, **options: Any) -> None:
        """From now on the store's webhooks reach the hub's web app in process."""
        app = create_web_app(self.hub, scheduler=scheduler, **options)
        self.sandbox.webhooks.transport = SandboxTransport(app)

    def must_succeed(self, runs: list[Run]) -> None:
        for run in runs:
            assert run.status is RunStatus.SUCCEEDED, run.error


@contextmanager
def webhook_world(
    tmp_path: Path,
    sqlite_template: Path,
    *,
    public_url: str | None = HUB_URL,
    clock: Clock | None = None,
    orders: int = 20,
    products: int = 10,
    token_scopes: list[str] | None = None,
) -> Iterator[WebhookWorld]:
    """A hub (SQLite) connected to a sandbox store; every flow off."""
    path = tmp_path / "hub.db"
    shutil.copyfile(sqlite_template, path)
    database = Database.from_url(f"sqlite:///{path}", migrate=False)
    sandbox = Sandbox(
        SandboxConfig(
            seed=11, orders=orders, products=products, plan="unlimited", cache_ttl_seconds=0
        )
    )
    http = httpx.Client(transport=SandboxTransport(sandbox.app))
    settings = Settings(
        home=tmp_path, database_url=f"sqlite:///{path}", secret_key=KEY, public_url=public_url
    )
    hub = Hub(
        settings=settings,
        db=database,
        box=SecretBox(KEY),
        registry=default_registry(),
        clock=clock or SystemClock(),
        http_factory=lambda _integration: http,
    )
    token = sandbox.mint_token(token_scopes) if token_scopes is not None else sandbox.full_token
    try:
        added = add_integration(hub, api_url=STORE_URL, api_key=token, http=http)
        assert added.report.connected, added.report.summary
        yield WebhookWorld(hub, sandbox, http, added.integration.integration_id)
    finally:
        sandbox.webhooks.close()
        http.close()
        database.dispose()
