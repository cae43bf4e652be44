"""FlowRunner: run rows, counts, cursor transactions, exceptions, leases and refusals."""

from __future__ import annotations

import threading
from datetime import timedelta

import httpx
import pytest

from orderhub.clock import FakeClock
from orderhub.domain import ExceptionStatus, FlowName, RunStatus, SyncException
from orderhub.engine import (
    FlowBusy,
    FlowContext,
    FlowDisabled,
    FlowError,
    FlowNotAvailable,
    FlowRunner,
    IntegrationNotConnected,
    IntegrationNotFound,
    SyncExceptionNotFound,
    flow_lease_key,
)
from orderhub.engine.runner import INTERRUPTED_MESSAGE, LEASE_LOST_MESSAGE
from orderhub.engine.settle import ABANDONED_MESSAGE
from orderhub.secrets import SecretBox
from orderhub.store import Database, EntityKind
from orderhub.store import exceptions as store_exceptions
from orderhub.store import feed as store_feed
from orderhub.store import integrations as store_integrations
from orderhub.store import leases as store_leases
from orderhub.store import records as store_records
from orderhub.store import runs as store_runs

from .engine_fakes import (
    ENTITY,
    FLOW,
    T0,
    TOKEN,
    FakeSource,
    Gate,
    add_integration,
    location,
    registry_for,
)


def make_runner(
    database: Database, box: SecretBox, source: FakeSource, clock: FakeClock, **kwargs: object
) -> FlowRunner:
    return FlowRunner(
        database,
        box,
        registry_for(source),
        clock=clock,
        sleep=clock.sleep,
        **kwargs,  # type: ignore[arg-type]
    )


def hub_locations(database: Database, integration_id: str) -> dict[str, str]:
    with database.session() as session:
        records = store_records.list_records(
            session, EntityKind.LOCATION, integration_id=integration_id, limit=1000
        )
    return {r.ext_id: r.data["name"] for r in records}


def cursor_of(database: Database, integration_id: str) -> dict[str, object] | None:
    with database.session() as session:
        return store_integrations.get_flow_state(session, integration_id, FLOW).cursor


def open_exceptions(database: Database, integration_id: str) -> list[tuple[str, str]]:
    with database.session() as session:
        items = store_exceptions.list_exceptions(
            session, status=ExceptionStatus.OPEN, integration_id=integration_id
        )
    return sorted((e.ext_entity_id, e.flow.value) for e in items)


def all_runs(database: Database, integration_id: str) -> list[object]:
    with database.session() as session:
        return list(store_runs.list_runs(session, integration_id=integration_id))


def test_a_run_records_counts_cursor_records_and_schedule(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> None:
    source.pages = [
        [location("L1"), location("L2"), location("L3", bad=True)],
        [location("L4"), location("L5")],
    ]
    integration_id = add_integration(database, box)
    runner = make_runner(database, box, source, clock)

    run = runner.run_flow(integration_id, FLOW)

    assert run.status is RunStatus.SUCCEEDED
    assert run.error is None
    assert run.trigger == "manual"
    assert run.flow is FLOW
    assert run.started_at == T0
    assert run.finished_at == T0
    assert run.counts.model_dump() == {
        "fetched": 5,
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "failed": 1,
    }
    assert hub_locations(database, integration_id) == {
        "L1": "Warehouse L1",
        "L2": "Warehouse L2",
        "L4": "Warehouse L4",
        "L5": "Warehouse L5",
    }
    assert cursor_of(database, integration_id) == {"page": 2}
    assert open_exceptions(database, integration_id) == [("L3", FLOW.value)]
    with database.session() as session:
        state = store_integrations.get_flow_state(session, integration_id, FLOW)
        record = store_records.get_record_by_ext(session, EntityKind.LOCATION, integration_id, "L1")
        changes = store_feed.changes_since(session, EntityKind.LOCATION, 0)
    assert state.last_run_at == T0
    assert state.next_run_at == T0 + timedelta(seconds=60)
    assert state.last_error is None
    assert record is not None
    assert {c.run_id for c in changes} == {run.run_id}
    assert {c.flow for c in changes} == {FLOW.value}
    # A run starts where the last one's cursor left off: nothing new, nothing fetched.
    clock.advance(90)
    again = runner.run_flow(integration_id, FLOW)
    assert again.status is RunStatus.SUCCEEDED
    assert again.counts.created == 0
    assert again.started_at == T0 + timedelta(seconds=90)


def test_context_hands_the_flow_what_it_needs(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> None:
    integration_id = add_integration(database, box)
    client = httpx.Client()
    seen_by_factory: list[object] = []
    try:
        runner = make_runner(
            database,
            box,
            source,
            clock,
            http_factory=lambda integration: seen_by_factory.append(integration) or client,
        )
        runner.run_flow(integration_id, FLOW, trigger="webhook")
    finally:
        client.close()

    (ctx,) = source.seen
    assert ctx.api_token == TOKEN
    assert TOKEN not in repr(ctx)
    assert ctx.integration.integration_id == integration_id
    assert ctx.trigger == "webhook"
    assert ctx.start_from == T0  # the integration's enabledAt: no cursor yet
    assert ctx.cursor is None
    assert ctx.http is client
    assert seen_by_factory == [ctx.integration]


def test_progress_is_forwarded_to_the_callback(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> None:
    source.pages = [[location("L1")], [location("L2"), location("L3")]]
    integration_id = add_integration(database, box)
    updates: list[dict[str, object]] = []

    make_runner(database, box, source, clock).run_flow(
        integration_id, FLOW, progress=updates.append
    )

    assert updates == [{"fetched": 1, "created": 1}, {"fetched": 3, "created": 3}]


def test_a_failed_run_keeps_one_line_without_the_token_and_frees_the_lease(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> None:
    source.pages = [[location("L1")]]
    source.raise_in_page = 0
    source.error = lambda: RuntimeError(
        f"GET https://store.example.com/api/v1/warehouses?token={TOKEN} failed\n"
        f"Traceback (most recent call last):\n  X-AC-Auth-Token: {TOKEN}"
    )
    integration_id = add_integration(database, box)
    runner = make_runner(database, box, source, clock)

    run = runner.run_flow(integration_id, FLOW)

    assert run.status is RunStatus.FAILED
    assert run.error is not None
    assert run.error.startswith("RuntimeError: GET https://store.example.com/api/v1/warehouses")
    assert "\n" not in run.error
    assert TOKEN not in run.error
    assert "SECRET" not in run.error
    with database.session() as session:
        assert store_leases.holder(session, key=flow_lease_key(integration_id, FLOW)) is None
        state = store_integrations.get_flow_state(session, integration_id, FLOW)
    assert state.last_error == run.error
    assert state.next_run_at == T0 + timedelta(seconds=60)
    # The lease is free: the next run goes ahead (and succeeds once the source recovers).
    source.raise_in_page = None
    assert runner.run_flow(integration_id, FLOW).status is RunStatus.SUCCEEDED
    with database.session() as session:
        assert store_integrations.get_flow_state(session, integration_id, FLOW).last_error is None


def test_a_flow_error_message_is_kept_as_is(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> None:
    source.pages = [[location("L1")]]
    source.raise_in_page = 0
    source.error = lambda: FlowError("Cart.com rejected the API token")
    integration_id = add_integration(database, box)

    run = make_runner(database, box, source, clock).run_flow(integration_id, FLOW)

    assert run.error == "Cart.com rejected the API token"


def test_the_cursor_rolls_back_with_its_page(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> None:
    source.pages = [
        [location("L1"), location("L2")],
        [location("L3"), location("L4", bad=True)],
        [location("L5")],
    ]
    source.raise_in_page = 1
    integration_id = add_integration(database, box)
    runner = make_runner(database, box, source, clock)

    failed = runner.run_flow(integration_id, FLOW)

    assert failed.status is RunStatus.FAILED
    assert cursor_of(database, integration_id) == {"page": 1}
    assert sorted(hub_locations(database, integration_id)) == ["L1", "L2"]
    assert open_exceptions(database, integration_id) == []
    # Counts say what is in the hub: page 2's rolled-back writes are not counted.
    assert (failed.counts.created, failed.counts.failed) == (2, 0)
    assert failed.counts.fetched == 4

    source.raise_in_page = None
    resumed = runner.run_flow(integration_id, FLOW)

    assert resumed.status is RunStatus.SUCCEEDED
    assert (resumed.counts.fetched, resumed.counts.created, resumed.counts.failed) == (3, 2, 1)
    assert sorted(hub_locations(database, integration_id)) == ["L1", "L2", "L3", "L5"]
    assert cursor_of(database, integration_id) == {"page": 3}


def test_a_second_run_of_a_running_flow_is_refused(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> None:
    source.pages = [[location("L1")]]
    gate = Gate()
    source.during_page = gate
    integration_id = add_integration(database, box)
    runner = make_runner(database, box, source, clock)
    other_process = make_runner(database, box, source, clock, owner="elsewhere:1:abcd")
    results: list[object] = []
    first = threading.Thread(target=lambda: results.append(runner.run_flow(integration_id, FLOW)))
    first.start()
    try:
        assert gate.entered.wait(timeout=10)
        with pytest.raises(FlowBusy, match="already running"):
            runner.run_flow(integration_id, FLOW)  # same process, another thread
        with pytest.raises(FlowBusy):
            other_process.run_flow(integration_id, FLOW)  # another worker: the database lease
    finally:
        gate.release.set()
        first.join(timeout=30)
    assert [r.status for r in results] == [RunStatus.SUCCEEDED]  # type: ignore[attr-defined]
    assert len(all_runs(database, integration_id)) == 1
    # Once it is done, the other worker may run it.
    assert other_process.run_flow(integration_id, FLOW).status is RunStatus.SUCCEEDED


def test_a_failed_record_is_retried_next_run_and_resolved_when_it_succeeds(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> None:
    source.pages = [[location("L1"), location("L2", bad=True), location("L3", bad=True)]]
    integration_id = add_integration(database, box)
    runner = make_runner(database, box, source, clock)
    runner.run_flow(integration_id, FLOW)
    assert open_exceptions(database, integration_id) == [("L2", FLOW.value), ("L3", FLOW.value)]

    source.fix("L2")  # the merchant fixed it at the source; L3 is still broken
    second = runner.run_flow(integration_id, FLOW)

    assert source.seen[-1].retry_ext_ids == ["L2", "L3"]
    assert (second.counts.created, second.counts.failed) == (1, 1)
    assert "L2" in hub_locations(database, integration_id)
    assert open_exceptions(database, integration_id) == [("L3", FLOW.value)]
    with database.session() as session:
        (resolved,) = store_exceptions.list_exceptions(
            session, status=ExceptionStatus.RESOLVED, integration_id=integration_id
        )
        (still_open,) = store_exceptions.list_exceptions(
            session, status=ExceptionStatus.OPEN, integration_id=integration_id
        )
    assert resolved.ext_entity_id == "L2"
    assert resolved.entity_type == ENTITY
    assert still_open.attempts == 2


def test_a_record_message_never_keeps_the_token(
    database: Database, box: SecretBox, clock: FakeClock
) -> None:
    class Leaky:
        name = FLOW

        def run(self, ctx: FlowContext) -> None:
            with ctx.unit_of_work() as session:
                ctx.fail_record(
                    session,
                    entity_type=ENTITY,
                    ext_id="L9",
                    exception_type="httpError",
                    message=f"403 for ?token={ctx.api_token}",
                    raw=None,
                )

    integration_id = add_integration(database, box)
    registry = registry_for(FakeSource(), FlowName.ORDERS_PULL)
    registry.register("cartcom", FLOW, lambda _ctx: Leaky())
    FlowRunner(database, box, registry, clock=clock).run_flow(integration_id, FLOW)

    with database.session() as session:
        (item,) = store_exceptions.list_exceptions(session, integration_id=integration_id)
    assert TOKEN not in item.message
    assert item.message == "403 for ?token=***"


def test_retry_exception_runs_its_flow_even_when_switched_off(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> None:
    source.pages = [[location("L1", bad=True)]]
    integration_id = add_integration(database, box)
    runner = make_runner(database, box, source, clock)
    runner.run_flow(integration_id, FLOW)
    with database.session() as session:
        (item,) = store_exceptions.list_exceptions(session, integration_id=integration_id)
        store_integrations.set_flow_enabled(session, integration_id, FLOW, False, now=T0)
    with pytest.raises(FlowDisabled):
        runner.run_flow(integration_id, FLOW)

    source.fix("L1")
    run = runner.retry_exception(item.exception_id)

    assert run.trigger == "retry"
    assert run.status is RunStatus.SUCCEEDED
    assert run.counts.created == 1
    assert open_exceptions(database, integration_id) == []
    with pytest.raises(SyncExceptionNotFound):
        runner.retry_exception("nope")


def test_retry_all_runs_each_flow_with_open_exceptions_once(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> None:
    source.pages = [[location("A1", bad=True), location("A2", bad=True)]]
    first = add_integration(database, box)
    second = add_integration(database, box)
    clean = add_integration(database, box)
    runner = make_runner(database, box, source, clock)
    for integration_id in (first, second):
        runner.run_flow(integration_id, FLOW)

    only_first = runner.retry_all(first)
    assert [(r.integration, r.trigger) for r in only_first] == [(first, "retry")]
    assert source.seen[-1].retry_ext_ids == ["A1", "A2"]

    runs = runner.retry_all()
    assert sorted(r.integration for r in runs) == sorted([first, second])
    assert clean not in {r.integration for r in runs}
    assert all(r.counts.failed == 2 for r in runs)


def test_runs_that_cannot_start_are_refused_without_a_run_row(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> None:
    runner = make_runner(database, box, source, clock)
    never_connected = add_integration(database, box, connected=False)
    switched_off = add_integration(database, box, enabled=())
    no_code = add_integration(database, box, enabled=(FlowName.ORDERS_PULL,))
    disabled = add_integration(database, box)
    with database.session() as session:
        store_integrations.disable_integration(session, disabled, now=T0)

    with pytest.raises(IntegrationNotFound, match="No integration with id 'missing'"):
        runner.run_flow("missing", FLOW)
    with pytest.raises(IntegrationNotConnected, match="never connected"):
        runner.run_flow(never_connected, FLOW)
    with pytest.raises(IntegrationNotConnected, match="disabled"):
        runner.run_flow(disabled, FLOW)
    with pytest.raises(FlowDisabled, match="orderhub flows enable"):
        runner.run_flow(switched_off, FLOW)
    with pytest.raises(FlowNotAvailable, match="not available yet"):
        runner.run_flow(no_code, FlowName.ORDERS_PULL)
    for integration_id in (never_connected, switched_off, no_code, disabled):
        assert all_runs(database, integration_id) == []
    # A switched-off flow still runs when the caller says so (retries do).
    run = runner.run_flow(switched_off, FLOW, require_enabled=False)
    assert run.status is RunStatus.SUCCEEDED


def test_a_run_left_running_by_a_dead_process_is_closed_by_the_next(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> None:
    integration_id = add_integration(database, box)
    with database.session() as session:
        dead = store_runs.start_run(
            session, integration_id=integration_id, flow=FLOW, trigger="schedule", now=T0
        )
    clock.advance(300)

    run = make_runner(database, box, source, clock).run_flow(integration_id, FLOW)

    assert run.status is RunStatus.SUCCEEDED
    with database.session() as session:
        closed = store_runs.get_run(session, dead)
    assert closed is not None
    assert closed.status is RunStatus.FAILED
    assert closed.error == ABANDONED_MESSAGE
    assert closed.finished_at == T0 + timedelta(seconds=300)


def test_request_stop_ends_the_run_at_a_page_boundary(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> None:
    source.pages = [[location("L1")], [location("L2")], [location("L3")]]
    integration_id = add_integration(database, box)
    runner = make_runner(database, box, source, clock)
    source.during_page = lambda _ctx, index: runner.request_stop() if index == 0 else None

    stopped = runner.run_flow(integration_id, FLOW)

    assert stopped.status is RunStatus.FAILED
    assert stopped.error == INTERRUPTED_MESSAGE
    assert cursor_of(database, integration_id) == {"page": 1}
    source.during_page = None
    resumed = runner.run_flow(integration_id, FLOW)
    assert resumed.status is RunStatus.SUCCEEDED
    assert resumed.counts.created == 2
    assert sorted(hub_locations(database, integration_id)) == ["L1", "L2", "L3"]


def test_a_run_whose_lease_was_taken_over_stops_and_leaves_it_alone(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> None:
    source.pages = [[location("L1")], [location("L2")]]
    integration_id = add_integration(database, box)
    key = flow_lease_key(integration_id, FLOW)

    def stall_past_the_ttl(_ctx: FlowContext, index: int) -> None:
        if index == 0:
            clock.advance(121)  # longer than the lease's TTL: another worker takes over
            with database.session() as session:
                assert store_leases.try_acquire(
                    session, key=key, owner="elsewhere:1:abcd", ttl_seconds=120, now=clock.now()
                )

    source.during_page = stall_past_the_ttl
    run = make_runner(database, box, source, clock, lease_ttl_seconds=120).run_flow(
        integration_id, FLOW
    )

    assert run.status is RunStatus.FAILED
    assert run.error == LEASE_LOST_MESSAGE
    assert sorted(hub_locations(database, integration_id)) == ["L1"]
    with database.session() as session:
        assert store_leases.holder(session, key=key) == "elsewhere:1:abcd"


def test_a_trigger_during_a_run_is_kept_for_right_after_it(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> None:
    source.pages = [[location("L1")]]
    integration_id = add_integration(database, box)

    def webhook_arrives(_ctx: FlowContext, _index: int) -> None:
        clock.advance(5)
        with database.session() as session:
            state = store_integrations.get_flow_state(session, integration_id, FLOW)
            store_integrations.set_flow_schedule(
                session,
                integration_id,
                FLOW,
                last_run_at=state.last_run_at,
                next_run_at=clock.now(),
                last_error=None,
            )
        clock.advance(5)

    source.during_page = webhook_arrives
    make_runner(database, box, source, clock).run_flow(integration_id, FLOW)

    with database.session() as session:
        state = store_integrations.get_flow_state(session, integration_id, FLOW)
    assert state.last_run_at == T0 + timedelta(seconds=10)
    assert state.next_run_at == T0 + timedelta(seconds=5)


def test_failures_in_a_row_back_off_and_a_success_resets_the_interval(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> None:
    source.pages = [[location("L1")]]
    source.raise_in_page = 0
    integration_id = add_integration(database, box)
    runner = make_runner(database, box, source, clock)

    def next_wait() -> float:
        with database.session() as session:
            state = store_integrations.get_flow_state(session, integration_id, FLOW)
        assert state.next_run_at is not None
        return (state.next_run_at - clock.now()).total_seconds()

    waits = []
    for _ in range(6):
        assert runner.run_flow(integration_id, FLOW).status is RunStatus.FAILED
        waits.append(next_wait())
        clock.advance(waits[-1])
    assert waits == [60, 120, 240, 480, 900, 900]

    source.raise_in_page = None
    assert runner.run_flow(integration_id, FLOW).status is RunStatus.SUCCEEDED
    assert next_wait() == 60


def test_a_push_flow_clears_an_exception_with_resolve_record(
    database: Database, box: SecretBox, clock: FakeClock
) -> None:
    attempts: list[list[str]] = []

    class Push:
        name = FLOW

        def run(self, ctx: FlowContext) -> None:
            attempts.append(list(ctx.retry_ext_ids))
            with ctx.unit_of_work() as session:
                if len(attempts) == 1:
                    ctx.fail_record(
                        session,
                        entity_type="inventory",
                        ext_id="SKU-1",
                        exception_type="rejected",
                        message="Cart.com said no",
                        raw={"sku": "SKU-1"},
                    )
                else:  # the write went through this time
                    ctx.resolve_record(session, entity_type="inventory", ext_id="SKU-1")

    integration_id = add_integration(database, box)
    registry = registry_for(FakeSource(), FlowName.ORDERS_PULL)
    registry.register("cartcom", FLOW, lambda _ctx: Push())
    runner = FlowRunner(database, box, registry, clock=clock)

    runner.run_flow(integration_id, FLOW)
    assert open_exceptions(database, integration_id) == [("SKU-1", FLOW.value)]
    runner.run_flow(integration_id, FLOW)

    assert attempts == [[], ["SKU-1"]]
    assert open_exceptions(database, integration_id) == []


def test_a_record_that_keeps_failing_is_retried_less_and_less_often(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> None:
    """Failed twice: the next retry waits 30 s, then 60 s; a manual retry or a fix met on the
    normal path does not wait."""
    source.pages = [[location("L1", bad=True)]]
    integration_id = add_integration(database, box)
    runner = make_runner(database, box, source, clock)
    runner.run_flow(integration_id, FLOW)  # attempt 1
    runner.run_flow(integration_id, FLOW)  # retried at once: attempt 2
    assert source.seen[-1].retry_ext_ids == ["L1"]

    clock.advance(29)
    runner.run_flow(integration_id, FLOW)
    assert source.seen[-1].retry_ext_ids == []  # 30 s after the 2nd failure, not before
    assert source.seen[-1].open_ext_ids == {"L1"}
    clock.advance(1)
    runner.run_flow(integration_id, FLOW)  # attempt 3
    assert source.seen[-1].retry_ext_ids == ["L1"]
    clock.advance(59)
    runner.run_flow(integration_id, FLOW)
    assert source.seen[-1].retry_ext_ids == []

    (item,) = [e for e in list_open(database, integration_id) if e.ext_entity_id == "L1"]
    runner.retry_exception(item.exception_id)  # the merchant asks: no waiting
    assert source.seen[-1].retry_ext_ids == ["L1"]
    assert item.attempts == 3


def list_open(database: Database, integration_id: str) -> list[SyncException]:
    with database.read_session() as session:
        return store_exceptions.list_exceptions(
            session, status=ExceptionStatus.OPEN, integration_id=integration_id
        )
