"""A hub on a copy of the migrated SQLite template, with one connected integration whose pull
flows are on and next due in an hour, and its webhook secret; the receiver in process."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from orderhub.clock import FakeClock
from orderhub.connectors.cartcom.sandbox import SandboxTransport
from orderhub.domain import FlowName
from orderhub.hooks import Debounce, HookReceiver
from orderhub.hub import Hub, default_registry
from orderhub.secrets import SecretBox
from orderhub.settings import Settings
from orderhub.store import integrations as integration_store
from orderhub.store import webhooks as webhook_store
from orderhub.store.database import Database

KEY = "hooks-suite-secret-key"
T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
LATER = T0 + timedelta(hours=1)
HUB_URL = "http://hub.test"


@dataclass
class Wakes:
    calls: list[tuple[str, list[FlowName], float]] = field(default_factory=list)

    def __call__(self, integration_id: str, flows: list[FlowName], delay: float) -> None:
        self.calls.append((integration_id, flows, delay))


@pytest.fixture
def hub(sqlite_template: Path, tmp_path: Path) -> Iterator[Hub]:
    path = tmp_path / "hub.db"
    shutil.copyfile(sqlite_template, path)
    database = Database.from_url(f"sqlite:///{path}", migrate=False)
    settings = Settings(home=tmp_path, database_url=f"sqlite:///{path}", secret_key=KEY)
    hub = Hub(
        settings=settings,
        db=database,
        box=SecretBox(KEY),
        registry=default_registry(),
        clock=FakeClock(T0),
    )
    yield hub
    hub.close()


@pytest.fixture
def integration_id(hub: Hub) -> str:
    with hub.db.session() as session:
        made = integration_store.create_integration(
            session,
            connector="cartcom",
            name="Shop",
            api_url="https://shop.example.com",
            api_token="t",
            box=hub.box,
            now=T0,
        )
        integration_store.mark_connected(session, made.integration_id, now=T0)
        for flow in (FlowName.ORDERS_PULL, FlowName.PRODUCTS_PULL):
            integration_store.set_flow_enabled(session, made.integration_id, flow, True, now=T0)
            integration_store.set_flow_schedule(
                session,
                made.integration_id,
                flow,
                last_run_at=T0,
                next_run_at=LATER,
                last_error=None,
            )
    return made.integration_id


@pytest.fixture
def secret(hub: Hub, integration_id: str) -> str:
    with hub.db.session() as session:
        return webhook_store.ensure_secret(session, integration_id, hub.box, now=T0)


@pytest.fixture
def wakes() -> Wakes:
    return Wakes()


@pytest.fixture
def receiver(hub: Hub, wakes: Wakes) -> HookReceiver:
    return HookReceiver(hub, waker=wakes, debounce=Debounce(quiet=0.5, busy=2.0))


@pytest.fixture
def client(receiver: HookReceiver) -> Iterator[httpx.Client]:
    with httpx.Client(transport=SandboxTransport(receiver), base_url=HUB_URL) as http:
        yield http
