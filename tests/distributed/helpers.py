"""Helpers shared by the multi-worker tests: connect stores, read the run history, wait.

The run history is the evidence these tests judge by: every run row has its (integration,
flow), start and finish, so "never twice at once" is a property of the rows, whoever ran them.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import select

from orderhub.domain import FlowName, Run, RunStatus
from orderhub.hub import Hub
from orderhub.services.integrations import add_integration, enable_flow
from orderhub.store import runs as store_runs
from orderhub.store.flows import set_flow_interval
from orderhub.store.tables import LeaseRow
from support.stores import Store

__all__ = [
    "LONG_AGO",
    "RunInProgress",
    "all_runs",
    "assert_never_overlapping",
    "connect_stores",
    "run_in_progress",
    "wait_for",
]

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)

RunInProgress = tuple[str, FlowName, int]
"""(integration id, flow, pid of the worker process running it)."""


def connect_stores(
    hub: Hub,
    stores: Sequence[Store],
    *,
    flows: Iterable[FlowName],
    interval_seconds: int,
) -> dict[str, Store]:
    """One integration per store (in order), `flows` on since long ago, every `interval_seconds`."""
    wanted = tuple(flows)
    by_integration: dict[str, Store] = {}
    for store in stores:
        result = add_integration(hub, api_url=store.url, api_key=store.token)
        assert result.report.ok, result.report.summary
        integration_id = result.integration.integration_id
        for flow in wanted:
            enable_flow(hub, integration_id, flow, since=LONG_AGO)
            with hub.db.session() as session:
                set_flow_interval(
                    session,
                    integration_id,
                    flow,
                    interval_seconds,
                    max_interval_seconds=interval_seconds,  # a test store polls steadily
                )
        by_integration[integration_id] = store
    return by_integration


def all_runs(
    hub: Hub, integration_ids: Iterable[str], flows: Iterable[FlowName]
) -> dict[tuple[str, FlowName], list[Run]]:
    """Every run of every (integration, flow), oldest first."""
    wanted = tuple(flows)
    with hub.db.read_session() as session:
        return {
            (integration_id, flow): sorted(
                store_runs.list_runs(
                    session, integration_id=integration_id, flow=flow, limit=100_000
                ),
                key=lambda run: run.started_at,
            )
            for integration_id in integration_ids
            for flow in wanted
        }


def assert_never_overlapping(runs: dict[tuple[str, FlowName], list[Run]]) -> None:
    for key, history in runs.items():
        for earlier, later in itertools.pairwise(history):
            assert earlier.finished_at is not None, f"{key}: run {earlier.run_id} never finished"
            assert earlier.finished_at <= later.started_at, (
                f"{key}: run {later.run_id} started before {earlier.run_id} finished"
            )


def wait_for(
    condition: Callable[[], bool], timeout: float, what: str, *, every: float = 0.1
) -> None:
    """Poll `condition` every `every` seconds (longer for conditions that cost many queries)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


def run_in_progress(hub: Hub, pids: set[int], flows: Iterable[FlowName]) -> RunInProgress | None:
    """A run of one of `flows` going on in one of the worker processes `pids`, if any.

    Found from the leases table (owner `<host>:<pid>:<nonce>`), confirmed by the flow's newest
    run row still being `running`.
    """
    wanted = {flow.value: flow for flow in flows}
    with hub.db.read_session() as session:
        rows = session.execute(
            select(LeaseRow.key, LeaseRow.owner).where(LeaseRow.key.like("flow:%"))
        ).all()
        for key, owner in sorted(rows):
            _prefix, integration_id, flow_name = key.split(":", 2)
            flow = wanted.get(flow_name)
            pid = int(owner.rsplit(":", 2)[1])
            if flow is None or pid not in pids:
                continue
            newest = store_runs.list_runs(
                session, integration_id=integration_id, flow=flow, limit=1
            )
            if newest and newest[0].status is RunStatus.RUNNING:
                return integration_id, flow, pid
    return None
