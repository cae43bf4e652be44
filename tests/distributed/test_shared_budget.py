"""Three `orderhub sync` processes, one steel-plan store: they share its 5-call budget.

Each process runs a different flow of the same integration at the same moment, as workers do.
Cart.com's steel plan allows 5 calls per 10 s; the sandbox refuses (and counts) any call over
it. On PostgreSQL the hub keeps each store's budget in the database (ORDERHUB_CALL_BUDGET
`auto`), so the three processes together must stay within it: no 429 at all. The same syncs
with `ORDERHUB_CALL_BUDGET=process` (a budget per process), run at the same time on a second
store as the control, collect 429s: the check is known to be able to fail.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from subprocess import Popen

import pytest

from orderhub.connectors.cartcom.shared_limiter import budget_key
from orderhub.domain import FlowName
from orderhub.hub import Hub
from orderhub.services.integrations import add_integration, enable_flow
from orderhub.settings import Settings
from orderhub.store.call_budgets import list_budgets
from support.stores import StartStore, Store

from .conftest import hub_process_env

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

FLOWS = (FlowName.ORDERS_PULL, FlowName.PRODUCTS_PULL, FlowName.LOCATIONS_PULL)
LIMIT = 5  # the steel plan


def start_syncs(settings: Settings, integration_id: str, budget: str) -> list[Popen[bytes]]:
    """One `orderhub sync ID FLOW` process per flow, all started at once."""
    env = hub_process_env(settings) | {"ORDERHUB_CALL_BUDGET": budget}
    return [
        subprocess.Popen(
            [sys.executable, "-m", "orderhub.cli.main", "sync", integration_id, flow.value],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for flow in FLOWS
    ]


def wait_all(processes: list[Popen[bytes]]) -> None:
    for process in processes:
        out, _ = process.communicate(timeout=180)
        assert process.returncode == 0, out.decode()


def connect_steel_store(hub: Hub, serve_store: StartStore) -> tuple[Store, str]:
    """A store connected on an unlimited plan (a quick connection test), then on steel."""
    store = serve_store(seed=7, orders=60, products=12, plan="unlimited")
    result = add_integration(hub, api_url=store.url, api_key=store.token)
    assert result.report.ok, result.report.summary
    integration_id = result.integration.integration_id
    for flow in FLOWS:
        enable_flow(hub, integration_id, flow, since=datetime(2000, 1, 1, tzinfo=UTC))
    store.sandbox.set_plan("steel")
    return store, integration_id


def test_three_processes_syncing_one_store_share_its_budget_without_a_429(
    pg_hub: Hub, hub_settings: Settings, serve_store: StartStore
) -> None:
    """Shared (the default on PostgreSQL) on one store; at the same time, as the control, a
    budget per process on another store: only the control collects 429s."""
    store, integration_id = connect_steel_store(pg_hub, serve_store)
    control, control_id = connect_steel_store(pg_hub, serve_store)
    before = store.sandbox.calls()

    shared = start_syncs(hub_settings, integration_id, "auto")
    separate = start_syncs(hub_settings, control_id, "process")
    wait_all(shared + separate)

    after = store.sandbox.calls()
    calls = after["total"] - before["total"]
    rejected = after["byStatus"].get("429", 0) - before["byStatus"].get("429", 0)
    assert calls > 2 * LIMIT  # enough calls to need three windows: the budget was tested
    assert rejected == 0
    assert control.sandbox.calls()["byStatus"].get("429", 0) > 0
    with pg_hub.db.read_session() as session:
        budgets = {key: state for key, state, _ in list_budgets(session)}
    state = budgets[budget_key(store.url)]
    assert state is not None
    assert state["limit"] == LIMIT
    print(f"\n{calls} calls from {len(FLOWS)} processes on a {LIMIT}-call plan: 0 x 429")
