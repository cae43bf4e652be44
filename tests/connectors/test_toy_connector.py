"""A second connector through the connector interface alone: the in-memory Toy Shop.

The services, the API and the CLI add, test, list, run and remove a Toy Shop integration; none
of it reaches Cart.com code (the services' hub knows only the toy connector), and the portal
names the Toy Shop wherever it names the store's platform.
"""

from __future__ import annotations

import re
import secrets
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from orderhub.api import create_app
from orderhub.connectors.registry import ConnectorRegistry, UnknownConnector
from orderhub.domain import FlowName, IntegrationStatus, RunStatus
from orderhub.hub import Hub, build_hub, default_registry
from orderhub.services.apikeys import create_api_key
from orderhub.services.integrations import (
    ConnectionFailed,
    add_integration,
    enable_flow,
    keep_connection_report,
    remove_integration,
    retest_integration,
)
from orderhub.services.users import create_admin
from orderhub.serving import serve_in_thread
from orderhub.settings import Settings
from orderhub.store import integrations as integration_store
from orderhub.store import records as record_store
from orderhub.store.entities import EntityKind
from orderhub.web import create_web_app
from support.toy_connector import SHOPS, ToyConnector, ToyShop

SECRET_KEY = "toy-test-secret-key-0123456789abcdef"


def new_shop(**locations: str) -> tuple[str, ToyShop]:
    url = f"toy://shop-{secrets.token_hex(4)}"
    shop = SHOPS[url] = ToyShop(token=secrets.token_hex(8), locations=dict(locations))
    return url, shop


@pytest.fixture
def home(tmp_path: Path, sqlite_template: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copyfile(sqlite_template, home / "orderhub.db")
    return home


@pytest.fixture
def toy_hub(home: Path) -> Iterator[Hub]:
    """A hub that knows the toy connector and no other."""
    settings = Settings(
        home=home, database_url=f"sqlite:///{home / 'orderhub.db'}", secret_key=SECRET_KEY
    )
    built = build_hub(settings, migrate=False)
    connectors = ConnectorRegistry([ToyConnector()])
    hub = Hub(
        settings=built.settings,
        db=built.db,
        box=built.box,
        registry=default_registry(connectors),
        connectors=connectors,
    )
    yield hub
    hub.close()


def test_services_add_test_run_and_remove_a_toy_integration(toy_hub: Hub) -> None:
    url, shop = new_shop(w1="Main warehouse", w2="Overflow")
    added = add_integration(toy_hub, api_url=url, api_key=shop.token, connector="toy")
    integration = added.integration
    assert integration.connector == "toy"
    assert integration.status is IntegrationStatus.CONNECTED
    assert integration.name == f"Toy Shop {url}"
    assert added.report.ok
    assert added.report.webhooks is not None  # no public URL: nothing subscribed, it says so
    assert toy_hub.registry.available("toy") == {FlowName.LOCATIONS_PULL}

    setting = enable_flow(toy_hub, integration.integration_id, FlowName.LOCATIONS_PULL)
    assert setting.enabled
    run = toy_hub.runner().run_flow(integration.integration_id, FlowName.LOCATIONS_PULL)
    assert run.status is RunStatus.SUCCEEDED, run.error
    with toy_hub.db.read_session() as session:
        held = record_store.get_record_by_ext(
            session, EntityKind.LOCATION, integration.integration_id, "w1"
        )
    assert held is not None
    assert held.data["name"] == "Main warehouse"

    shop.may_read_locations = False
    retested = retest_integration(toy_hub, integration.integration_id).report
    assert retested.connected
    assert not retested.ok
    assert [c.blocked_flows for c in retested.checks if not c.ok] == [[FlowName.LOCATIONS_PULL]]

    assert remove_integration(toy_hub, integration.integration_id) is None
    with toy_hub.db.read_session() as session:
        assert integration_store.get_integration(session, integration.integration_id) is None


def test_a_refused_key_names_the_key_and_creates_nothing(toy_hub: Hub) -> None:
    url, _shop = new_shop()
    with pytest.raises(ConnectionFailed) as failed:
        add_integration(toy_hub, api_url=url, api_key="wrong", connector="toy")
    assert failed.value.field == "api_key"
    with pytest.raises(ConnectionFailed) as failed:
        add_integration(toy_hub, api_url="toy://nobody-here", api_key="k", connector="toy")
    assert failed.value.field == "api_url"
    with toy_hub.db.read_session() as session:
        assert integration_store.list_integrations(session) == []
    with pytest.raises(UnknownConnector):
        add_integration(toy_hub, api_url=url, api_key="k", connector="nope")


def test_the_api_adds_and_lists_a_toy_integration(toy_hub: Hub) -> None:
    url, shop = new_shop(w1="Main warehouse")
    _, key = create_api_key(toy_hub, name="toy", scope="readwrite")
    with (
        serve_in_thread(create_app(toy_hub)) as served,
        httpx.Client(base_url=served.url, headers={"Authorization": f"Bearer {key}"}) as api,
    ):
        made = api.post(
            "/api/v3/integrations",
            json={"apiUrl": url, "apiKey": shop.token, "connector": "Toy Shop"},
        )
        assert made.status_code == 201, made.text
        integration_id = made.json()["integration"]["integrationId"]
        assert made.json()["integration"]["connector"] == "toy"
        refused = api.post(
            "/api/v3/integrations", json={"apiUrl": url, "apiKey": "wrong", "connector": "toy"}
        )
        assert refused.status_code == 422
        assert refused.json()["message"].startswith("apiKey:")
        listed = api.get("/api/v3/integrations").json()["integrations"]
    assert [(i["integrationId"], i["connector"]) for i in listed] == [(integration_id, "toy")]


def test_the_cli_finds_an_installed_connector_by_its_entry_point(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An installed package that declares a connector: its metadata on the path is all it takes.
    site = tmp_path / "site"
    info = site / "toy_connector-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-connector\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[orderhub.connectors]\ntoy = support.toy_connector:ToyConnector\n"
    )
    monkeypatch.syspath_prepend(str(site))
    env = {
        "ORDERHUB_HOME": str(home),
        "ORDERHUB_DATABASE_URL": f"sqlite:///{home / 'orderhub.db'}",
        "ORDERHUB_SECRET_KEY": SECRET_KEY,
        "ORDERHUB_PUBLIC_URL": None,
        "COLUMNS": "200",
    }
    from orderhub.cli.main import app

    def cli(*args: str) -> str:
        result = CliRunner().invoke(app, list(args), env=env)
        assert result.exit_code == 0, result.output
        return result.output

    assert "Toy Shop" in cli("integrations", "connectors")
    url, shop = new_shop(w1="Main warehouse")
    added = cli("integrations", "add", "toy", "--api-url", url, "--api-key", shop.token, "--json")
    assert '"ok": true' in added.replace(" ", "").replace('"ok":true', '"ok": true')
    listed = cli("integrations", "list", "--json")
    assert '"connector": "toy"' in listed
    assert "Connected." in cli("integrations", "test", _only_id(listed))
    assert "support.toy_connector" in sys.modules


def _only_id(listed_json: str) -> str:
    import json

    (only,) = json.loads(listed_json)
    return str(only["integrationId"])


def test_the_portal_names_the_toy_shop_where_it_named_cartcom(toy_hub: Hub) -> None:
    url, shop = new_shop(w1="Main warehouse")
    added = add_integration(toy_hub, api_url=url, api_key=shop.token, connector="toy")
    integration = added.integration
    keep_connection_report(toy_hub, integration.integration_id, added.report)  # as Connect does
    create_admin(toy_hub, email="merchant@example.com", password="a long enough password")
    with (
        serve_in_thread(create_web_app(toy_hub)) as served,
        httpx.Client(base_url=served.url, headers={"Connection": "close"}) as browser,
    ):
        signin = browser.get("/signin").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', signin)
        assert token is not None
        signed = browser.post(
            "/signin",
            data={
                "csrf_token": token.group(1),
                "email": "merchant@example.com",
                "password": "a long enough password",
                "next": "/",
            },
        )
        assert signed.status_code == 303, signed.text
        pages = {
            path: browser.get(path).text
            for path in (
                "/",
                "/integrations",
                "/integrations/add",
                "/integrations/add/toy",
                "/integrations/add/toy/connect",
                f"/integrations/{integration.integration_id}",
            )
        }
    assert "Toy Shop has not reported it yet" in pages["/"]  # the dashboard's API budget
    assert "<td>Toy Shop</td>" in pages["/integrations"]
    assert 'href="/integrations/add/toy" aria-label="Add Toy Shop"' in pages["/integrations/add"]
    assert 'action="/integrations/add/toy/connect"' in pages["/integrations/add/toy"]
    connect = pages["/integrations/add/toy/connect"]
    assert "Connect your Toy Shop store" in connect
    assert 'placeholder="toy://my-shop"' in connect
    assert "Where to get the API key" not in connect  # the toy connector gives no steps
    assert "<dd>Toy Shop</dd>" in pages[f"/integrations/{integration.integration_id}"]
    assert "Toy Shop permission" in pages[f"/integrations/{integration.integration_id}"]
    assert [path for path, page in pages.items() if "Cart.com" in page] == []
