"""Dry runs: the flow plans, nothing lands (records, exceptions, cursor, schedule), refusals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from orderhub.clock import FakeClock
from orderhub.domain import FlowName, RunStatus
from orderhub.engine import FlowContext, FlowNotAvailable, FlowRegistry, FlowRunner
from orderhub.engine.dry_run import DRY_RUN_TRIGGER, PlannedChange, supports_dry_run
from orderhub.secrets import SecretBox
from orderhub.store import Database, EntityKind
from orderhub.store import exceptions as store_exceptions
from orderhub.store import feed as store_feed
from orderhub.store import integrations as store_integrations
from orderhub.store import records as store_records
from orderhub.store import runs as store_runs

from .engine_fakes import CONNECTOR, FLOW, T0, FakeSource, LocationsFake, add_integration, location


class DryLocations(LocationsFake):
    """The fake pull, plus a remote write it only plans when asked to dry-run."""

    supports_dry_run = True
    remote_writes: list[str] = []

    def run(self, ctx: FlowContext) -> None:
        super().run(ctx)
        if ctx.dry_run:
            ctx.plan("set", "inventory", "SKU-1", summary="5 -> 3", data={"to": 3})
        else:
            self.remote_writes.append("SKU-1")


class DryFactory:
    """A factory object that says its flows can dry-run (the runner reads the attribute)."""

    supports_dry_run = True

    def __init__(self, source: FakeSource) -> None:
        self.source = source

    def __call__(self, ctx: FlowContext) -> DryLocations:
        return DryLocations(self.source)


def make_runner(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> FlowRunner:
    registry = FlowRegistry()
    registry.register(CONNECTOR, FLOW, DryFactory(source))
    registry.register(CONNECTOR, FlowName.ORDERS_PULL, lambda _ctx: LocationsFake(source))
    return FlowRunner(database, box, registry, clock=clock, sleep=clock.sleep)


def snapshot(database: Database, integration_id: str) -> dict[str, Any]:
    with database.session() as session:
        state = store_integrations.get_flow_state(session, integration_id, FLOW)
        return {
            "records": [
                (r.ext_id, r.data["name"])
                for r in store_records.list_records(session, EntityKind.LOCATION, limit=100)
            ],
            "changes": len(store_feed.changes_since(session, EntityKind.LOCATION, 0)),
            "exceptions": len(
                store_exceptions.list_exceptions(session, integration_id=integration_id)
            ),
            "cursor": state.cursor,
            "next_run_at": state.next_run_at,
            "last_run_at": state.last_run_at,
            "last_error": state.last_error,
        }


def test_a_dry_run_plans_and_leaves_the_hub_and_the_schedule_as_they_were(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> None:
    source.pages = [[location("L1"), location("L2", bad=True)], [location("L3")]]
    integration_id = add_integration(database, box)
    runner = make_runner(database, box, clock, source)
    DryLocations.remote_writes = []
    before = snapshot(database, integration_id)
    heard: list[PlannedChange] = []

    run = runner.run_flow(
        integration_id,
        FLOW,
        dry_run=True,
        progress=lambda fields: heard.extend(
            [fields["planned"]] if isinstance(fields.get("planned"), PlannedChange) else []
        ),
    )

    assert run.status is RunStatus.SUCCEEDED, run.error
    assert run.trigger == DRY_RUN_TRIGGER
    # The counts say what would have happened; the hub holds none of it.
    assert run.counts.created == 2
    assert run.counts.failed == 1
    assert snapshot(database, integration_id) == before
    assert DryLocations.remote_writes == []
    assert [c.line() for c in heard] == [
        "would create location L1: extLocationId, name",
        "would create location L3: extLocationId, name",
        "would set inventory SKU-1: 5 -> 3",
    ]
    assert heard[-1].data == {"to": 3}
    with database.session() as session:
        history = store_runs.list_runs(session, integration_id=integration_id)
    assert [(r.run_id, r.trigger) for r in history] == [(run.run_id, DRY_RUN_TRIGGER)]

    # A real run afterwards does the work from the same starting point.
    clock.advance(5)
    real = runner.run_flow(integration_id, FLOW)
    assert real.status is RunStatus.SUCCEEDED
    assert real.counts.created == 2
    assert DryLocations.remote_writes == ["SKU-1"]
    after = snapshot(database, integration_id)
    assert after["cursor"] == {"page": 2}
    assert after["last_run_at"] == T0 + timedelta(seconds=5)
    assert after["exceptions"] == 1


def test_a_dry_run_of_a_disabled_flow_is_possible_when_asked(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> None:
    source.pages = [[location("L1")]]
    integration_id = add_integration(database, box, enabled=())
    runner = make_runner(database, box, clock, source)

    run = runner.run_flow(integration_id, FLOW, dry_run=True, require_enabled=False)

    assert run.status is RunStatus.SUCCEEDED
    assert run.counts.created == 1
    assert snapshot(database, integration_id)["records"] == []


def test_a_flow_without_a_dry_run_is_refused_before_anything_starts(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> None:
    source.pages = [[location("L1")]]
    integration_id = add_integration(database, box, enabled=(FlowName.ORDERS_PULL,))
    runner = make_runner(database, box, clock, source)

    with pytest.raises(FlowNotAvailable, match="has no dry run"):
        runner.run_flow(integration_id, FlowName.ORDERS_PULL, dry_run=True)

    with database.session() as session:
        assert store_runs.list_runs(session, integration_id=integration_id) == []
        records = store_records.list_records(session, EntityKind.LOCATION)
    assert records == []


class _Declares:
    supports_dry_run = True

    @classmethod
    def from_context(cls, ctx: FlowContext) -> Any:
        return cls()


@pytest.mark.parametrize(
    ("factory", "expected"),
    [
        (_Declares.from_context, True),
        (_Declares, True),
        (lambda ctx: _Declares(), False),
        (LocationsFake, False),
    ],
)
def test_supports_dry_run_reads_the_flow_class(factory: Any, expected: bool) -> None:
    assert supports_dry_run(factory) is expected
