"""Connecting a store and replacing its key: test first, write only what connected (issue #12).

The CLI's `integrations add`, the API's POST /integrations and the portal's Connect and
"Replace the key" all go through these two services.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from orderhub.clock import FakeClock
from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig, SandboxTransport
from orderhub.domain import Integration, IntegrationStatus
from orderhub.hub import Hub, default_registry
from orderhub.secrets import SecretBox
from orderhub.services.integrations import ConnectionFailed, add_integration, replace_api_key
from orderhub.settings import Settings
from orderhub.store import integrations as integration_store
from orderhub.store.database import Database

KEY = "integrations-service-test-secret-key"
NOW = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
STORE_URL = "http://127.0.0.1:9"  # any loopback URL: the transport never opens a socket


@pytest.fixture
def hub(database: Database, tmp_path: Path) -> Hub:
    settings = Settings(home=tmp_path, database_url="unused://", secret_key=KEY)
    return Hub(
        settings=settings,
        db=database,
        box=SecretBox(KEY),
        registry=default_registry(),
        clock=FakeClock(NOW),
    )


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    return Sandbox(SandboxConfig(seed=3, orders=2, products=2, plan="unlimited"))


@pytest.fixture
def http(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(transport=SandboxTransport(sandbox.app)) as client:
        yield client


def integrations(hub: Hub) -> list[Integration]:
    with hub.db.read_session() as session:
        return integration_store.list_integrations(session)


def test_a_refused_key_creates_nothing_however_often_it_is_tried(
    hub: Hub, http: httpx.Client
) -> None:
    for _attempt in range(2):
        with pytest.raises(ConnectionFailed, match="rejected the API token") as failed:
            add_integration(hub, api_url=STORE_URL, api_key="wrong-key-123456", http=http)
        assert failed.value.field == "api_key"
        assert not failed.value.report.connected
    assert integrations(hub) == []


def test_an_unreachable_store_creates_nothing_and_blames_the_url(hub: Hub) -> None:
    with pytest.raises(ConnectionFailed, match="must start with https://") as failed:
        add_integration(hub, api_url="ftp://shop.example.com", api_key="some-key")
    assert failed.value.field == "api_url"
    assert integrations(hub) == []


def test_a_store_that_connects_is_created_connected(
    hub: Hub, http: httpx.Client, sandbox: Sandbox
) -> None:
    added = add_integration(hub, api_url=STORE_URL, api_key=sandbox.full_token, http=http)

    assert added.report.connected
    [stored] = integrations(hub)
    assert stored.integration_id == added.integration.integration_id
    assert stored.status is IntegrationStatus.CONNECTED
    assert stored.enabled_at == NOW


def test_a_new_key_that_fails_keeps_the_working_one(
    hub: Hub, http: httpx.Client, sandbox: Sandbox
) -> None:
    added = add_integration(hub, api_url=STORE_URL, api_key=sandbox.full_token, http=http)
    integration_id = added.integration.integration_id

    with pytest.raises(ConnectionFailed, match="rejected the API token") as failed:
        replace_api_key(hub, integration_id, "revoked-key-0000", http=http)

    assert failed.value.field == "api_key"
    with hub.db.read_session() as session:
        assert integration_store.get_api_token(session, integration_id, hub.box) == (
            sandbox.full_token
        )
    [stored] = integrations(hub)
    assert stored.status is IntegrationStatus.CONNECTED
    assert stored.api_key_hint == added.integration.api_key_hint


def test_a_new_key_that_connects_replaces_the_old_one(
    hub: Hub, http: httpx.Client, sandbox: Sandbox
) -> None:
    added = add_integration(hub, api_url=STORE_URL, api_key=sandbox.full_token, http=http)
    integration_id = added.integration.integration_id
    limited = sandbox.mint_token({"orders", "catalog", "settings", "system"})

    replaced = replace_api_key(hub, integration_id, f"  {limited} ", http=http)

    assert replaced.report.connected
    assert not replaced.report.ok  # connected, with a permission missing: the merchant's choice
    with hub.db.read_session() as session:
        assert integration_store.get_api_token(session, integration_id, hub.box) == limited
    assert (replaced.integration.api_key_hint or "").endswith(limited[-4:])
