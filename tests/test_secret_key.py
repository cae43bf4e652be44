"""The secret key: generated only while no token needs it, never silently replaced."""

from __future__ import annotations

import shutil
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orderhub.cli.errors import explain
from orderhub.cli.main import app as cli_app
from orderhub.domain import FlowName, RunStatus
from orderhub.errors import HubError
from orderhub.hub import Hub, build_hub
from orderhub.services.integrations import retest_integration
from orderhub.settings import Settings
from orderhub.store import integrations as integration_store


@pytest.fixture
def home(tmp_path: Path, sqlite_template: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copyfile(sqlite_template, home / "orderhub.db")
    return home


def open_hub(home: Path, **env: str) -> Hub:
    return build_hub(Settings.from_env({"ORDERHUB_HOME": str(home), **env}), migrate=False)


def store_a_token(home: Path, **env: str) -> str:
    """Open the hub as a merchant would, and keep one store's API token (encrypted)."""
    hub = open_hub(home, **env)
    try:
        with hub.db.session() as session:
            made = integration_store.create_integration(
                session,
                connector="cartcom",
                name="Shop",
                api_url="http://127.0.0.1:9",
                api_token="token-of-the-shop-0000",
                box=hub.box,
                now=hub.clock.now(),
            )
            integration_store.mark_connected(session, made.integration_id, now=hub.clock.now())
        return made.integration_id
    finally:
        hub.close()


@pytest.mark.usefixtures("loose_umask")
def test_a_key_is_generated_0600_while_no_token_is_stored_and_then_kept(home: Path) -> None:
    hub = open_hub(home)
    hub.close()
    key_file = home / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    first = key_file.read_text()
    store_a_token(home)
    assert key_file.read_text() == first


def test_a_missing_key_file_with_stored_tokens_refuses_to_start(home: Path) -> None:
    store_a_token(home)
    (home / "secret.key").unlink()
    with pytest.raises(HubError) as refused:
        open_hub(home)
    line = explain(refused.value)
    assert str(home / "secret.key") in line
    assert "ORDERHUB_SECRET_KEY is unset" in line
    assert "API token" in line
    assert "\n" not in line
    assert not (home / "secret.key").exists()  # no new key was made over the stored tokens


def test_an_unset_environment_key_with_stored_tokens_refuses_to_start(home: Path) -> None:
    store_a_token(home, ORDERHUB_SECRET_KEY="the key the tokens were stored with")
    with pytest.raises(HubError, match="ORDERHUB_SECRET_KEY is unset"):
        open_hub(home)


@pytest.mark.parametrize(
    "command",
    [["integrations", "list"], ["sync", "any-id"], ["orders", "list"]],
    ids=" ".join,
)
def test_every_command_that_opens_the_hub_refuses_in_one_line(
    home: Path, command: list[str]
) -> None:
    store_a_token(home)
    (home / "secret.key").unlink()
    result = CliRunner().invoke(cli_app, command, env={"ORDERHUB_HOME": str(home)})
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()  # one line, no traceback
    assert line.startswith("Error: The secret key is missing")
    assert "secret.key" in line


@pytest.fixture
def wrong_key_hub(home: Path) -> Iterator[Callable[[], tuple[Hub, str]]]:
    opened: list[Hub] = []

    def make() -> tuple[Hub, str]:
        integration_id = store_a_token(home)
        hub = open_hub(home, ORDERHUB_SECRET_KEY="not the key the token was stored with")
        opened.append(hub)
        return hub, integration_id

    yield make
    for hub in opened:
        hub.close()


def test_a_wrong_key_is_named_by_the_connection_test(
    wrong_key_hub: Callable[[], tuple[Hub, str]],
) -> None:
    hub, integration_id = wrong_key_hub()
    report = retest_integration(hub, integration_id).report
    assert not report.connected
    assert "cannot be decrypted with this ORDERHUB_SECRET_KEY" in report.summary
    assert "enter the store's API token again" in report.summary


def test_a_wrong_key_is_named_by_a_run(wrong_key_hub: Callable[[], tuple[Hub, str]]) -> None:
    hub, integration_id = wrong_key_hub()
    run = hub.runner().run_flow(
        integration_id, FlowName.ORDERS_PULL, trigger="manual", require_enabled=False
    )
    assert run.status is RunStatus.FAILED
    assert run.error is not None
    assert "cannot be decrypted with this ORDERHUB_SECRET_KEY" in run.error
    assert "enter the store's API token again" in run.error
