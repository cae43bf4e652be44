"""`orderhub demo` moves records through all six flows: the store's side and the hub's side.

The demo runs in-process (Typer's runner) for a few seconds on a small store at a fast pace;
then its hub's runs say, per flow, how many records it created or updated.
"""

from __future__ import annotations

import re
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from orderhub.cli.demo_cmd import _store_stock
from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig
from orderhub.domain import FlowName
from orderhub.hub import build_hub
from orderhub.settings import Settings
from orderhub.store import exceptions as exception_store
from orderhub.store import runs as run_store

from .conftest import SECRET_KEY, Cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def restored_sigterm() -> Iterator[None]:
    previous = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, previous)


@pytest.mark.slow
@pytest.mark.usefixtures("restored_sigterm")
def test_the_demo_moves_records_through_every_flow(cli: Cli) -> None:
    result = cli(
        "demo", "--for", "12", "--orders", "40", "--orders-per-minute", "240",
        "--port", "0", "--sandbox-port", "0", "--plan", "unlimited",
    )  # fmt: skip
    # Unlimited: this checks that every flow has work and does it, not how a plan's budget is
    # shared (tests/connectors/cartcom/client/test_limiter_priority.py does that).

    assert result.exit_code == 0, result.output
    assert "Ctrl-C stops" in result.stdout
    home = Path(str(cli.env["ORDERHUB_HOME"]))
    # The demo started over on its own database file: read it with a hub of our own.
    hub = build_hub(
        Settings(
            home=home, database_url=str(cli.env["ORDERHUB_DATABASE_URL"]), secret_key=SECRET_KEY
        ),
        migrate=False,
    )
    try:
        with hub.db.read_session() as session:
            runs = run_store.list_runs(session, limit=1000)
            shipping = exception_store.list_exceptions(session, flow=FlowName.FULFILLMENTS_PUSH)
    finally:
        hub.close()
    moved = {flow: 0 for flow in FlowName}
    for run in runs:
        moved[run.flow] += run.counts.created + run.counts.updated
    assert all(moved[flow] > 0 for flow in FlowName), moved
    # Every carrier the demo ships with is one the demo store offers. (Another exception can
    # happen: the store's own activity may ship or cancel an order the hub is fulfilling.)
    assert [e.message for e in shipping if e.exception_type == "noShippingMethod"] == []


def test_the_readme_examples_name_a_sku_the_demo_store_holds() -> None:
    readme = (ROOT / "README.md").read_text()
    skus = set(re.findall(r'"sku":\s*"([^"]+)"', readme))
    assert skus, "the README shows no SKU example"
    stock = _store_stock(Sandbox(SandboxConfig(seed=1, orders=0)))
    assert skus <= set(stock), skus - set(stock)
