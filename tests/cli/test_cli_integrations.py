"""`orderhub integrations add` that fails leaves nothing behind, and `orderhub demo` starts over
an integration that older versions left in the Error state (issue #12)."""

from __future__ import annotations

import json
import signal
import socket
from collections.abc import Iterator

import pytest

from orderhub.store import integrations as integration_store

from .conftest import Cli


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on: a connection test fails at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listed(cli: Cli) -> list[dict[str, object]]:
    result = cli("integrations", "list", "--json")
    assert result.exit_code == 0, result.output
    value: list[dict[str, object]] = json.loads(result.stdout)
    return value


def test_a_failed_add_creates_nothing_however_often_it_is_retried(
    cli: Cli, closed_port: int
) -> None:
    url = f"http://127.0.0.1:{closed_port}"
    for _attempt in range(2):
        result = cli("integrations", "add", "cartcom", "--api-url", url, "--api-key", "key-1234")

        assert result.exit_code == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith(f"Error: Cannot reach {url}")
        assert "key-1234" not in result.output
    assert listed(cli) == []


def test_a_failed_add_with_json_prints_no_integration(cli: Cli) -> None:
    result = cli(
        "integrations", "add", "cartcom", "--api-url", "ftp://shop.test", "--api-key", "k", "--json"
    )

    assert result.exit_code == 1
    assert result.stdout == ""
    assert "must start with https://" in result.stderr
    assert listed(cli) == []


@pytest.fixture
def restored_sigterm() -> Iterator[None]:
    """The demo installs its own SIGTERM handler; the test process gets its own back."""
    previous = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, previous)


@pytest.mark.usefixtures("restored_sigterm")
def test_the_demo_starts_over_an_integration_that_never_connected(cli: Cli) -> None:
    with cli.hub.db.session() as session:
        stray = integration_store.create_integration(
            session,
            connector="cartcom",
            name="Cart.com 127.0.0.1",
            api_url="http://127.0.0.1:9",
            api_token="wrong-0000",
            box=cli.hub.box,
            now=cli.hub.clock.now(),
        )
        integration_store.mark_error(
            session, stray.integration_id, "Cart.com rejected the API token", now=stray.created_at
        )

    result = cli("demo", "--for", "0", "--orders", "3", "--port", "0", "--sandbox-port", "0")

    assert result.exit_code == 0, result.output
    assert "never connected" in result.stderr
    assert "Final orders.pull: succeeded" in result.stdout
    [demo] = listed(cli)
    assert demo["name"] == "Cart.com demo store"


@pytest.mark.usefixtures("restored_sigterm")
def test_the_demo_still_refuses_a_home_with_an_integration_that_connected(cli: Cli) -> None:
    with cli.hub.db.session() as session:
        real = integration_store.create_integration(
            session,
            connector="cartcom",
            name="My real shop",
            api_url="https://shop.example.com",
            api_token="real-0000",
            box=cli.hub.box,
            now=cli.hub.clock.now(),
        )
        integration_store.mark_connected(session, real.integration_id, now=real.created_at)
        integration_store.mark_error(session, real.integration_id, "down", now=real.created_at)

    result = cli("demo", "--for", "0", "--orders", "3", "--port", "0", "--sandbox-port", "0")

    assert result.exit_code == 1
    assert "holds integrations other than the demo's" in result.stderr
    assert [i["name"] for i in listed(cli)] == ["My real shop"]
