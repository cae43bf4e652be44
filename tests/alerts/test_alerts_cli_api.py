"""`orderhub alerts list|check|test` and `GET /api/v3/alerts`."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner, Result

from orderhub.alerts.channels import SIGNATURE_HEADER, verify_signature
from orderhub.cli.main import app
from orderhub.hub import build_hub
from orderhub.services.apikeys import create_api_key
from orderhub.settings import Settings
from orderhub.store import exceptions as exception_store
from orderhub.store import integrations as integration_store
from orderhub.web import create_web_app

from .conftest import Receiver

KEY = "alerts-cli-secret-key-0123456789abcdef"


class Home:
    def __init__(self, path: Path) -> None:
        self.env: dict[str, str | None] = {
            "ORDERHUB_HOME": str(path),
            "ORDERHUB_DATABASE_URL": f"sqlite:///{path / 'orderhub.db'}",
            "ORDERHUB_SECRET_KEY": KEY,
            "ORDERHUB_ALERT_EXCEPTIONS": "2",
            "ORDERHUB_ALERT_EMAIL_TO": None,
            "ORDERHUB_ALERT_WEBHOOK_URL": None,
            "ORDERHUB_DEBUG": None,
            "COLUMNS": "200",
        }
        self.hub = build_hub(Settings.from_env(self.env), migrate=False)  # type: ignore[arg-type]

    def __call__(self, *args: str) -> Result:
        return CliRunner().invoke(app, list(args), env=self.env)

    def pile_up(self, count: int) -> str:
        now = self.hub.clock.now()
        with self.hub.db.session() as session:
            made = integration_store.create_integration(
                session,
                connector="cartcom",
                name="Cap Store",
                api_url="https://caps.example.com",
                api_token="tok_0123456789abcdef",
                box=self.hub.box,
                now=now,
            )
            integration_store.mark_connected(session, made.integration_id, now=now)
            for number in range(count):
                exception_store.raise_exception(
                    session,
                    integration_id=made.integration_id,
                    flow=made.flows[0].flow,
                    entity_type="order",
                    ext_entity_id=str(number),
                    exception_type="mappingFailed",
                    message="no lines",
                    raw=None,
                    now=now,
                )
        return made.integration_id


@pytest.fixture
def home(tmp_path: Path, sqlite_template: Path) -> Iterator[Home]:
    shutil.copyfile(sqlite_template, tmp_path / "orderhub.db")
    made = Home(tmp_path)
    yield made
    made.hub.close()


def test_check_opens_an_incident_and_list_shows_it(home: Home) -> None:
    integration_id = home.pile_up(3)
    checked = home("alerts", "check")
    assert checked.exit_code == 0, checked.output
    assert f"Opened: exceptionsPilingUp:{integration_id}" in checked.output
    assert home("alerts", "check").output.strip() == "Nothing new."
    listed = home("alerts", "list", "--json")
    (incident,) = json.loads(listed.output)
    assert incident["kind"] == "exceptionsPilingUp"
    assert incident["status"] == "open"
    assert incident["title"] == "Cap Store: 3 open exceptions (more than 2)"
    assert incident["notified"] == []  # no channel configured: recorded, nobody told
    table = home("alerts", "list", "--open")
    assert "Cap Store: 3 open exceptions" in table.output
    assert "nobody" in table.output


def test_test_needs_a_channel_and_sends_a_signed_test(home: Home, receiver: Receiver) -> None:
    refused = home("alerts", "test")
    assert refused.exit_code == 1
    assert "No alert channel is configured" in refused.output
    home.env["ORDERHUB_ALERT_WEBHOOK_URL"] = receiver.url
    home.env["ORDERHUB_ALERT_WEBHOOK_SECRET"] = "hub-secret"
    sent = home("alerts", "test")
    assert sent.exit_code == 0, sent.output
    assert sent.output.strip() == "webhook: sent"
    ((body, headers),) = receiver.received
    assert verify_signature("hub-secret", body, headers[SIGNATURE_HEADER.lower()])
    assert json.loads(body)["event"] == "test"


def test_a_webhook_url_without_a_secret_is_refused(home: Home) -> None:
    home.env["ORDERHUB_ALERT_WEBHOOK_URL"] = "https://ops.example.com/hook"
    home.env["ORDERHUB_ALERT_WEBHOOK_SECRET"] = None
    answer = home("alerts", "list")
    assert answer.exit_code == 1
    assert "ORDERHUB_ALERT_WEBHOOK_URL needs ORDERHUB_ALERT_WEBHOOK_SECRET" in answer.output


def test_the_api_lists_incidents(home: Home) -> None:
    home.pile_up(3)
    assert home("alerts", "check").exit_code == 0
    _key_id, key = create_api_key(home.hub, name="monitoring", scope="read")
    app_ = create_web_app(home.hub)

    async def get(path: str, headers: dict[str, str]) -> httpx.Response:
        transport = httpx.ASGITransport(app=app_)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            return await client.get(path, headers=headers)

    assert asyncio.run(get("/api/v3/alerts", {})).status_code == 401
    answer = asyncio.run(
        get("/api/v3/alerts?status=open", {"Authorization": f"Bearer {key}"})
    ).json()
    assert answer["pagination"]["total"] == 1
    assert [a["kind"] for a in answer["alerts"]] == ["exceptionsPilingUp"]
    cleared = asyncio.run(
        get("/api/v3/alerts?status=cleared", {"Authorization": f"Bearer {key}"})
    ).json()
    assert cleared["alerts"] == []
