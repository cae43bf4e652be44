"""What a scheduler makes of a due flow's run or refusal (engine/scheduled_run.py), one row each."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from orderhub.clock import FakeClock
from orderhub.domain import FlowName, Run, RunStatus
from orderhub.engine import FlowRunner
from orderhub.engine.scheduled_run import run_due_flow
from orderhub.secrets import SecretBox
from orderhub.store import Database
from orderhub.store import integrations as store_integrations
from orderhub.store import runs as store_runs

from .engine_fakes import FLOW, T0, FakeSource, add_integration, location, registry_for

UNCODED = FlowName.PRODUCTS_PULL  # switched on, but the registry has no code for it


@pytest.mark.parametrize(
    ("case", "flow", "expected", "next_run_at"),
    [
        ("due", FLOW, RunStatus.SUCCEEDED, T0 + timedelta(seconds=60)),
        ("stopping", FLOW, "stopping", None),
        ("switched off", FLOW, "skipped", None),
        ("removed", FLOW, "skipped", None),
        ("no code for it", UNCODED, "postponed", T0 + timedelta(seconds=60)),
        ("never connected", FLOW, "postponed", T0 + timedelta(seconds=60)),
    ],
)
def test_a_due_flow_runs_or_its_refusal_is_read_once_for_both_schedulers(
    database: Database,
    box: SecretBox,
    clock: FakeClock,
    source: FakeSource,
    case: str,
    flow: FlowName,
    expected: RunStatus | str,
    next_run_at: datetime | None,
) -> None:
    source.pages = [[location("L1")]]
    integration_id = add_integration(
        database,
        box,
        connected=case != "never connected",
        enabled=() if case == "switched off" else (FLOW, UNCODED),
    )
    runner = FlowRunner(database, box, registry_for(source, FLOW), clock=clock, sleep=clock.sleep)
    stop = threading.Event()
    if case == "stopping":
        stop.set()
    target = "missing" if case == "removed" else integration_id

    outcome = run_due_flow(runner, database, clock, target, flow, stop, patience=None)

    if isinstance(expected, RunStatus):
        assert isinstance(outcome, Run)
        assert outcome.status is expected
    else:
        assert outcome == expected
    with database.read_session() as session:
        state = store_integrations.get_flow_state(session, integration_id, flow)
        runs = store_runs.list_runs(session, integration_id=integration_id)
    assert state.next_run_at == next_run_at  # a refusal that would repeat waits an interval
    assert len(runs) == (1 if case == "due" else 0)
