"""The `orderhub` command as a merchant runs it, against a real sandbox on loopback.

The commands run in-process (`cli`, Typer's CliRunner); what only a real process shows runs
as one (`cli_process`): the console script's one-line errors, and a sync killed by SIGKILL.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from support.stores import Store

from .conftest import CliResult, in_process_cli

KILL_ORDERS = 1200  # the store behind the SIGKILL test


def add(cli: Callable[..., CliResult], store: Store) -> str:
    result = cli(
        "integrations", "add", "cartcom", "--api-url", store.url, "--api-key", store.token, "--json"
    )
    assert result.code == 0, result.stderr
    return str(json.loads(result.stdout)["integrationId"])


def test_add_enable_sync_and_list_orders_as_json(
    cli: Callable[..., CliResult], serve_store: Callable[..., Store]
) -> None:
    store = serve_store(seed=21, orders=400)
    integration_id = add(cli, store)

    flows = json.loads(cli("flows", "list", integration_id, "--json").stdout)
    assert {f["flow"]: f["enabled"] for f in flows} == {
        "orders.pull": False,
        "products.pull": False,
        "products.push": False,
        "inventory.push": False,
        "fulfillments.push": False,
        "locations.pull": False,
    }
    assert (
        cli(
            "flows", "enable", integration_id, "orders.pull", "--since", "2000-01-01T00:00:00Z"
        ).code
        == 0
    )
    synced = cli("sync", integration_id)
    assert synced.code == 0, synced.stderr
    assert "orders.pull: succeeded" in synced.stdout

    orders = json.loads(cli("orders", "list", "--json").stdout)
    assert len(orders) == 400
    assert len({o["extOrderApiId"] for o in orders}) == 400
    assert all("lineItems" in o and "orderId" in o for o in orders)
    runs = json.loads(cli("runs", "list", "--json").stdout)
    assert runs[0]["counts"]["created"] == 400


@pytest.mark.slow  # three `orderhub` processes
def test_errors_are_one_line_without_a_traceback(
    cli: Callable[..., CliResult],
    cli_process: Callable[..., CliResult],
    serve_store: Callable[..., Store],
) -> None:
    store = serve_store(orders=5)
    wrong = cli_process(
        "integrations", "add", "cartcom", "--api-url", store.url, "--api-key", "nope"
    )
    assert wrong.code != 0
    assert "rejected the API token" in wrong.stderr
    assert "Traceback" not in wrong.stderr + wrong.stdout

    unknown = cli_process("flows", "enable", "doesnotexist", "orders.pull")
    assert unknown.code == 1
    assert "No integration with id" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1

    bad_flow = cli_process("flows", "enable", add(cli, store), "orders.push")
    assert bad_flow.code == 1
    assert "Unknown flow" in bad_flow.stderr


def _orders_held(home: Path) -> int:
    """Count committed orders straight from the SQLite file: cheap enough to poll."""
    try:
        with sqlite3.connect(f"file:{home / 'orderhub.db'}?mode=ro", uri=True, timeout=1) as conn:
            row = conn.execute("select count(*) from records where kind = 'order'").fetchone()
            return int(row[0])
    except sqlite3.Error:
        return 0


@pytest.mark.slow  # a real `orderhub sync` process, killed
def test_a_sync_killed_mid_run_then_rerun_ends_in_the_same_state(
    cli: Callable[..., CliResult],
    hub_home: Path,
    serve_store: Callable[..., Store],
    hub_env: dict[str, str],
    tmp_path: Path,
) -> None:
    # 1,200 orders: 12 pages of 100, slowed below, so the kill (once 300 are held) lands
    # mid-run; more orders would only lengthen the two full syncs compared below.
    store = serve_store(seed=33, orders=KILL_ORDERS)
    integration_id = add(cli, store)
    assert (
        cli(
            "flows", "enable", integration_id, "orders.pull", "--since", "2000-01-01T00:00:00Z"
        ).code
        == 0
    )
    store.sandbox.faults.slow_rate = 1.0
    # Slow enough (about 8 s for the whole run) that the kill lands mid-run even on a busy machine.
    store.sandbox.faults.slow_seconds = 0.2

    proc = subprocess.Popen(
        [sys.executable, "-m", "orderhub.cli.main", "sync", integration_id],
        env=hub_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if _orders_held(hub_home) >= 300:
            break
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    killed_at = len(json.loads(cli("orders", "list", "--json").stdout))
    assert 0 < killed_at < KILL_ORDERS, "the run should have been killed mid-way"
    store.sandbox.faults.slow_rate = 0.0

    rerun = cli("sync", integration_id)
    assert rerun.code == 0, rerun.stderr
    after_crash = {
        o["extOrderApiId"]: o for o in json.loads(cli("orders", "list", "--json").stdout)
    }

    # The same sync without a kill, in a hub of its own (in-process: only the kill needs one).
    clean_cli = in_process_cli(tmp_path / "clean")

    clean_id = json.loads(
        clean_cli(
            "integrations",
            "add",
            "cartcom",
            "--api-url",
            store.url,
            "--api-key",
            store.token,
            "--json",
        ).stdout
    )["integrationId"]
    assert (
        clean_cli(
            "flows", "enable", clean_id, "orders.pull", "--since", "2000-01-01T00:00:00Z"
        ).code
        == 0
    )
    assert clean_cli("sync", clean_id).code == 0
    uninterrupted = {
        o["extOrderApiId"]: o for o in json.loads(clean_cli("orders", "list", "--json").stdout)
    }

    def comparable(order: dict[str, object]) -> dict[str, object]:
        return {
            k: v
            for k, v in order.items()
            if k not in ("orderId", "integration", "createdAt", "updatedAt")
        }

    assert len(after_crash) == KILL_ORDERS
    assert {k: comparable(v) for k, v in after_crash.items()} == {
        k: comparable(v) for k, v in uninterrupted.items()
    }
