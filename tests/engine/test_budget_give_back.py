"""A scheduled run its store's call budget would keep waiting gives its slot back.

On a steel store (5 calls / 10 s) whose window is spent, a scheduled orders.pull would sleep
up to a window in a worker slot before its first call. With `budget_patience` it starts
nothing instead: no call, no run row, the flow due again when the budget allows, and the
webhook's `requested` mark kept, so it still runs as triggered.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from orderhub.connectors.cartcom.ratelimit import CallLimiter, install_limiter, reset_limiters
from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig, SandboxTransport
from orderhub.domain import FlowName, Run, RunStatus
from orderhub.engine import EmbeddedScheduler, FlowRunner
from orderhub.engine.cadence import BUDGET_PATIENCE, budget_patience
from orderhub.engine.errors import BudgetBusy
from orderhub.engine.priority import CallPriority
from orderhub.hub import Hub, default_registry
from orderhub.secrets import SecretBox
from orderhub.services.integrations import add_integration, enable_flow
from orderhub.settings import Settings
from orderhub.store import integrations as store_integrations
from orderhub.store import runs as store_runs
from orderhub.store.database import Database

STORE_URL = "http://127.0.0.1:9"  # the transport never opens a socket
KEY = "budget-give-back-secret-key"
ORDERS = FlowName.ORDERS_PULL


@dataclass
class SpentStore:
    """A steel store with orders.pull on, whose current window another flow has spent."""

    sandbox: Sandbox
    hub: Hub
    runner: FlowRunner
    integration_id: str


@pytest.fixture
def spent_store(database: Database, tmp_path: Path) -> Iterator[SpentStore]:
    sandbox = Sandbox(SandboxConfig(seed=3, orders=5, products=5, plan="unlimited"))
    http = httpx.Client(transport=SandboxTransport(sandbox.app))
    settings = Settings(home=tmp_path, database_url="unused://", secret_key=KEY)
    hub = Hub(settings=settings, db=database, box=SecretBox(KEY), registry=default_registry())
    runner = FlowRunner(
        database, hub.box, hub.registry, http_factory=lambda _i: http, share_call_budgets=False
    )
    try:
        added = add_integration(hub, api_url=STORE_URL, api_key=sandbox.full_token, http=http)
        integration_id = added.integration.integration_id
        enable_flow(hub, integration_id, ORDERS, since=datetime(2000, 1, 1, tzinfo=UTC))
        sandbox.set_plan("steel")
        spent = CallLimiter()
        install_limiter(STORE_URL, spent)
        for _ in range(5):  # another flow of the store took the whole window a moment ago
            spent.before_call(priority=CallPriority.FULFILLMENTS_PUSH)
        yield SpentStore(sandbox, hub, runner, integration_id)
    finally:
        http.close()
        reset_limiters()


def test_a_run_that_would_wait_for_the_budget_gives_its_slot_back_and_keeps_its_trigger(
    database: Database, spent_store: SpentStore
) -> None:
    sandbox, hub, runner = spent_store.sandbox, spent_store.hub, spent_store.runner
    integration_id = spent_store.integration_id
    with database.session() as session:  # a webhook
        store_integrations.mark_due(session, integration_id, [ORDERS], now=hub.clock.now())
    calls_before = sandbox.call_log.snapshot()["total"]

    with pytest.raises(BudgetBusy) as busy:
        runner.run_flow(
            integration_id, ORDERS, trigger="schedule", only_if_due=True, budget_patience=2.0
        )

    assert busy.value.wait_seconds > 5  # most of a 10 s window
    with database.read_session() as session:
        state = store_integrations.get_flow_state(session, integration_id, ORDERS)
        runs = store_runs.list_runs(session, integration_id=integration_id, flow=ORDERS)
    assert runs == []  # nothing started, as far as the history goes
    assert state.requested  # still a trigger's run when it comes back
    assert state.next_run_at is not None
    assert state.next_run_at >= hub.clock.now() + timedelta(seconds=4)
    assert sandbox.call_log.snapshot()["total"] == calls_before  # not one call

    # Without patience (Sync now from a person) the same run waits its turn and runs.
    install_limiter(STORE_URL, CallLimiter())
    run = runner.run_flow(integration_id, ORDERS)
    assert run.status is RunStatus.SUCCEEDED


def test_the_scheduler_gives_back_timer_work_but_a_triggered_run_waits_its_turn(
    database: Database, spent_store: SpentStore
) -> None:
    """Timer work gives its slot back; a triggered run keeps its place in the budget's queue,
    so a low-priority flow of a busy store is never put off again and again. (The rule is
    `budget_patience`; the scheduler part shows a timer run held and a triggered one run under
    a spent window, which holds either way: that the triggered run waited in its slot is not
    observable here without timing.)"""
    assert budget_patience(triggered=False) == BUDGET_PATIENCE
    assert budget_patience(triggered=True) is None

    hub, runner, integration_id = spent_store.hub, spent_store.runner, spent_store.integration_id
    scheduler = EmbeddedScheduler(runner, database, tick_seconds=0.2, max_workers=2)
    try:
        # Due on its timer (its first look): the scheduler gives the slot back, nothing runs.
        scheduler.start()
        time.sleep(1.5)
        with database.read_session() as session:
            assert store_runs.list_runs(session, integration_id=integration_id, flow=ORDERS) == []
            state = store_integrations.get_flow_state(session, integration_id, ORDERS)
        assert state.next_run_at is not None
        assert state.next_run_at > hub.clock.now()

        # A webhook makes it triggered: it waits in line for the window and runs.
        with database.session() as session:
            store_integrations.mark_due(session, integration_id, [ORDERS], now=hub.clock.now())
        scheduler.wake()
        deadline = time.monotonic() + 30
        runs: list[Run] = []
        while time.monotonic() < deadline and not (runs and runs[0].finished_at is not None):
            time.sleep(0.2)
            with database.read_session() as session:
                runs = store_runs.list_runs(session, integration_id=integration_id, flow=ORDERS)
        assert [run.status for run in runs] == [RunStatus.SUCCEEDED]
    finally:
        scheduler.stop()
