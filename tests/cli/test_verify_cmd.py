"""`orderhub integrations verify ID`, in-process through Typer's CliRunner.

The store is a sandbox served on loopback in a thread (the command builds its own hub and
HTTP client, as it does for a merchant); the hub lives in the test's home.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orderhub.cli.main import app
from orderhub.connectors.cartcom.sandbox.timefmt import datetime_to_ms, grid_ms
from orderhub.domain import FlowName
from orderhub.hub import Hub, build_hub
from orderhub.services.integrations import add_integration, enable_flow
from orderhub.settings import Settings
from support.stores import StartStore, Store
from support.verify_world import pull_position

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass
class Connected:
    hub: Hub
    store: Store
    integration_id: str
    env: dict[str, str]

    def invoke(self, *args: str) -> tuple[int, str]:
        result = CliRunner().invoke(app, ["integrations", "verify", *args], env=self.env)
        return result.exit_code, result.stdout

    def behind_cursor(self) -> datetime:
        """A time the pull's cursor has passed already: the next run never reads it."""
        position = pull_position(self.hub, self.integration_id, FlowName.ORDERS_PULL)
        return position - timedelta(minutes=5)

    def forge_behind_cursor(self, count: int) -> list[int]:
        return self.store.sandbox.store.burst_orders(count, updated_at=self.behind_cursor())


@pytest.fixture
def connected(
    tmp_path: Path, sqlite_template: Path, serve_store: StartStore
) -> Iterator[Connected]:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copyfile(sqlite_template, home / "orderhub.db")
    env = {"ORDERHUB_HOME": str(home), "ORDERHUB_DATABASE_URL": ""}
    hub = build_hub(Settings.from_env(env), migrate=False)
    store = serve_store(seed=5, orders=30, products=5)
    added = add_integration(hub, api_url=store.url, api_key=store.token)
    integration_id = added.integration.integration_id
    enable_flow(hub, integration_id, FlowName.ORDERS_PULL, since=LONG_AGO)
    hub.runner().run_flow(integration_id, FlowName.ORDERS_PULL)
    env["ORDERHUB_SECRET_KEY"] = hub.settings.secret_key
    try:
        yield Connected(hub, store, integration_id, env)
    finally:
        hub.close()


def test_a_complete_integration_prints_one_line_per_flow_and_exits_0(
    connected: Connected,
) -> None:
    code, out = connected.invoke(connected.integration_id)

    assert code == 0
    [line] = out.strip().splitlines()
    assert line.startswith("orders.pull: 0 missing, 0 stale since 2000-01-01 00:00 UTC (")


def test_gaps_are_listed_refetched_and_the_exit_is_0_once_repaired(connected: Connected) -> None:
    store = connected.store.sandbox.store
    [order_id] = store.burst_orders(1)
    store.update_order(order_id, order_number="[bold]W-9[/bold]")
    row = store.table("orders").row_of(order_id)
    assert row is not None
    store.touch("orders", row, grid_ms(datetime_to_ms(connected.behind_cursor())))

    code, out = connected.invoke(connected.integration_id)

    assert code == 0, out
    lines = out.strip().splitlines()
    assert lines[0].endswith("re-fetched 1, now 0 missing")
    assert "1 missing" in lines[0]
    # The order number is the store's text, shown as is, never read as markup.
    assert lines[1].startswith("  order [bold]W-9[/bold]: missing (updated in Cart.com ")

    code, out = connected.invoke(connected.integration_id, "--json")
    assert code == 0
    [again] = json.loads(out)
    assert (again["flow"], again["status"], again["missing"]) == ("orders.pull", "complete", 0)


def test_gaps_only_reported_exit_1(connected: Connected) -> None:
    connected.forge_behind_cursor(2)

    code, out = connected.invoke(connected.integration_id, "--no-refetch", "--json")

    assert code == 1
    [found] = json.loads(out)
    assert (found["missing"], found["remaining"], found["status"]) == (2, 2, "gaps")
    assert len(found["gaps"]) == 2


def test_an_unknown_integration_is_one_line_and_exit_1(connected: Connected) -> None:
    result = CliRunner().invoke(app, ["integrations", "verify", "nope"], env=connected.env)
    assert result.exit_code == 1
