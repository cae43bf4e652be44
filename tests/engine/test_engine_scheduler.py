"""EmbeddedScheduler: due flows on their intervals, triggers, and the background thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta

import pytest

from orderhub.clock import FakeClock
from orderhub.domain import FlowName, RunStatus
from orderhub.engine import EmbeddedScheduler, FlowContext, FlowRunner, IntegrationNotFound
from orderhub.engine.runner import INTERRUPTED_MESSAGE
from orderhub.secrets import SecretBox
from orderhub.store import Database
from orderhub.store import integrations as store_integrations
from orderhub.store import runs as store_runs
from orderhub.store.due_flows import due_flows

from .engine_fakes import FLOW, T0, FakeSource, Gate, add_integration, location, registry_for

OTHER = FlowName.PRODUCTS_PULL  # a second flow with code behind it (the same fake)


def make_scheduler(
    database: Database,
    box: SecretBox,
    source: FakeSource,
    clock: FakeClock,
    *,
    flows: tuple[FlowName, ...] = (FLOW, OTHER),
    owner: str | None = None,
    tick_seconds: float = 1.0,
) -> EmbeddedScheduler:
    runner = FlowRunner(
        database, box, registry_for(source, *flows), clock=clock, sleep=clock.sleep, owner=owner
    )
    return EmbeddedScheduler(runner, database, clock=clock, tick_seconds=tick_seconds)


def run_count(database: Database) -> int:
    with database.session() as session:
        return len(store_runs.list_runs(session, limit=1000))


def finished_count(database: Database) -> int:
    with database.session() as session:
        runs = store_runs.list_runs(session, limit=1000)
    return sum(1 for r in runs if r.status is not RunStatus.RUNNING)


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def test_run_due_once_runs_enabled_flows_on_their_intervals(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> None:
    source.pages = [[location("L1")]]
    integration_id = add_integration(database, box, enabled=(FLOW,))  # OTHER stays off
    with database.session() as session:
        store_integrations.set_flow_interval(session, integration_id, FLOW, 300)
    scheduler = make_scheduler(database, box, source, clock)

    first = scheduler.run_due_once()

    assert [(r.integration, r.flow, r.trigger) for r in first] == [
        (integration_id, FLOW, "schedule")
    ]
    assert first[0].status is RunStatus.SUCCEEDED
    assert scheduler.run_due_once() == []
    clock.advance(299)
    assert scheduler.run_due_once() == []
    clock.advance(1)
    assert [r.flow for r in scheduler.run_due_once()] == [FLOW]
    # Switching the other flow on makes it due at once; the first is not due again yet.
    with database.session() as session:
        store_integrations.set_flow_enabled(session, integration_id, OTHER, True, now=clock.now())
    assert [r.flow for r in scheduler.run_due_once()] == [OTHER]
    with database.session() as session:
        store_integrations.set_flow_enabled(session, integration_id, FLOW, False, now=clock.now())
    clock.advance(3600)
    assert [r.flow for r in scheduler.run_due_once()] == [OTHER]


def test_the_default_interval_is_a_minute_while_runs_bring_changes(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> None:
    add_integration(database, box)
    scheduler = make_scheduler(database, box, source, clock)
    source.pages.append([location("L1")])
    assert len(scheduler.run_due_once()) == 1
    source.pages.append([location("L2")])  # the store keeps changing
    clock.advance(59)
    assert scheduler.run_due_once() == []
    clock.advance(1)
    assert len(scheduler.run_due_once()) == 1


def test_a_quiet_pull_polls_less_and_less_often_then_at_once_again_on_activity(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> None:
    integration_id = add_integration(database, box)
    scheduler = make_scheduler(database, box, source, clock)
    # 70 minutes of a store where nothing happens. Each gap is checked to the second: nothing
    # runs a second before it ends (the due check is `next_run_at <= now`, so an earlier due
    # time would run there), and the run comes at its end. Stepping only to those two
    # instants, not through every second, keeps the test to a few dozen scheduler looks.
    assert len(scheduler.run_due_once()) == 1  # the first run, at once
    for gap in [120, 240, 480, 900, 900, 900]:  # doubling from the minute, to the ceiling
        clock.advance(gap - 1)
        assert scheduler.run_due_once() == [], f"ran before the {gap} s gap ended"
        clock.advance(1)
        assert len(scheduler.run_due_once()) == 1, f"did not run at the end of the {gap} s gap"

    source.pages.append([location("L9")])  # something happens; a webhook says so
    with database.session() as session:
        store_integrations.mark_due(session, integration_id, [FLOW], now=clock.now())
    assert len(scheduler.run_due_once()) == 1
    clock.advance(60)
    assert len(scheduler.run_due_once()) == 1  # back to the minute after a run with changes


def test_flows_of_integrations_that_are_not_connected_are_not_run(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> None:
    add_integration(database, box, connected=False)
    disabled = add_integration(database, box)
    with database.session() as session:
        store_integrations.disable_integration(session, disabled, now=T0)

    assert make_scheduler(database, box, source, clock).run_due_once() == []
    assert run_count(database) == 0


def test_a_due_flow_without_code_is_looked_at_again_an_interval_later(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> None:
    integration_id = add_integration(database, box, enabled=(FLOW, OTHER))
    scheduler = make_scheduler(database, box, source, clock, flows=(FLOW,))

    assert [r.flow for r in scheduler.run_due_once()] == [FLOW]

    with database.session() as session:
        state = store_integrations.get_flow_state(session, integration_id, OTHER)
        due = due_flows(session, now=clock.now())
    assert state.next_run_at == T0 + timedelta(seconds=60)
    assert state.last_run_at is None
    assert due == []
    assert run_count(database) == 1


def test_trigger_makes_a_flow_due_now(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> None:
    integration_id = add_integration(database, box)
    scheduler = make_scheduler(database, box, source, clock)
    scheduler.run_due_once()
    clock.advance(10)
    assert scheduler.run_due_once() == []

    scheduler.trigger(integration_id, FLOW)

    (run,) = scheduler.run_due_once()
    assert run.started_at == T0 + timedelta(seconds=10)
    with pytest.raises(IntegrationNotFound):
        scheduler.trigger("missing", FLOW)


def test_the_background_thread_runs_due_flows_and_stops(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> None:
    source.pages = [[location("L1")]]
    integration_id = add_integration(database, box, enabled=(FLOW, OTHER))
    scheduler = make_scheduler(database, box, source, clock, tick_seconds=0.05)

    scheduler.start()
    try:
        assert scheduler.running
        wait_until(lambda: run_count(database) == 2)
        with pytest.raises(RuntimeError, match="running already"):
            scheduler.start()
        # A trigger wakes the loop; the fake clock never moves, so nothing else is due.
        scheduler.trigger(integration_id, FLOW)
        wait_until(lambda: run_count(database) == 3)
        time.sleep(0.2)
    finally:
        scheduler.stop(timeout=10)
    assert not scheduler.running
    assert run_count(database) == 3
    with database.session() as session:
        runs = store_runs.list_runs(session)
    assert {r.status for r in runs} == {RunStatus.SUCCEEDED}
    assert {r.trigger for r in runs} == {"schedule"}


def test_stop_asks_a_running_flow_to_stop_at_its_page_boundary(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> None:
    source.pages = [[location("L1")], [location("L2")]]
    entered = threading.Event()

    def wait_for_shutdown(ctx: FlowContext, _index: int) -> None:
        entered.set()
        wait_until(ctx.should_stop)  # the flow keeps working until the scheduler stops

    source.during_page = wait_for_shutdown
    add_integration(database, box)
    scheduler = make_scheduler(database, box, source, clock, tick_seconds=0.05)
    scheduler.start()
    assert entered.wait(timeout=10)

    scheduler.stop(timeout=10)

    assert not scheduler.running
    with database.session() as session:
        (run,) = store_runs.list_runs(session)
    assert run.status is RunStatus.FAILED
    assert run.error == INTERRUPTED_MESSAGE
    assert run.counts.created == 1


def test_two_schedulers_on_one_database_never_run_a_flow_twice_at_once(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> None:
    source.pages = [[location("L1")]]
    gate = Gate()
    source.during_page = gate
    add_integration(database, box)
    one = make_scheduler(database, box, source, clock, owner="host-a:1:aaaa", tick_seconds=0.02)
    two = make_scheduler(database, box, source, clock, owner="host-b:2:bbbb", tick_seconds=0.02)
    one.start()
    two.start()
    try:
        assert gate.entered.wait(timeout=10)
        time.sleep(0.3)  # many ticks of both schedulers while the flow holds its lease
        assert run_count(database) == 1
        gate.release.set()
        wait_until(lambda: finished_count(database) == 1)
        time.sleep(0.1)  # more ticks: the flow is not due again (the fake clock stands still)
    finally:
        gate.release.set()
        one.stop(timeout=10)
        two.stop(timeout=10)
    with database.session() as session:
        (run,) = store_runs.list_runs(session)
    assert run.status is RunStatus.SUCCEEDED
