"""Every line logged during a run carries the run's id, integration and flow (structlog)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from orderhub.clock import FakeClock
from orderhub.engine import FlowRunner
from orderhub.logs import configure_logging
from orderhub.secrets import SecretBox
from orderhub.store import Database

from .engine_fakes import FLOW, FakeSource, add_integration, location, registry_for


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    out = io.StringIO()
    configure_logging("json", stream=out)
    yield out
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()


def test_a_runs_log_lines_name_it_and_lines_after_it_do_not(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource, log_lines: io.StringIO
) -> None:
    source.pages = [[location("L1")]]
    integration_id = add_integration(database, box)
    runner = FlowRunner(database, box, registry_for(source), clock=clock, sleep=clock.sleep)

    run = runner.run_flow(integration_id, FLOW)
    logging.getLogger("orderhub.after").info("after the run")

    records = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    during = [r for r in records if r["logger"] == "orderhub.engine.runner"]
    assert during, "the runner logs a run's start and end"
    assert {(r["run_id"], r["integration_id"], r["flow"]) for r in during} == {
        (run.run_id, integration_id, FLOW.value)
    }
    after = records[-1]
    assert after["event"] == "after the run"
    assert not {"run_id", "integration_id", "flow"} & after.keys()
