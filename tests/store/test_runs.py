"""Run history."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from orderhub.domain import FlowName, RunCounts, RunStatus
from orderhub.store import Database, NotFoundError
from orderhub.store.runs import finish_run, get_run, list_runs, start_run

T0 = datetime(2026, 3, 1, 12, 0, 0, 500, tzinfo=UTC)


def test_a_run_is_opened_then_closed_with_its_outcome(
    database: Database, integration_id: str
) -> None:
    with database.session() as session:
        run_id = start_run(
            session,
            integration_id=integration_id,
            flow=FlowName.ORDERS_PULL,
            trigger="manual",
            now=T0,
        )
    assert re.fullmatch(r"[0-9a-f]{16}", run_id)
    with database.read_session() as session:
        running = get_run(session, run_id)
    assert running is not None
    assert (running.status, running.trigger, running.started_at, running.finished_at) == (
        RunStatus.RUNNING,
        "manual",
        T0,
        None,
    )
    assert running.integration == integration_id
    counts = RunCounts(fetched=10, created=4, updated=3, unchanged=2, failed=1)
    with database.session() as session:
        finish_run(
            session,
            run_id,
            status=RunStatus.FAILED,
            counts=counts,
            api_calls=7,
            rate_limit_wait_seconds=1.25,
            error="HTTP 500 from Cart.com",
            now=T0 + timedelta(seconds=30),
        )
    with database.read_session() as session:
        done = get_run(session, run_id)
    assert done is not None
    assert done.status is RunStatus.FAILED
    assert done.counts == counts
    assert (done.api_calls, done.rate_limit_wait_seconds, done.error) == (
        7,
        1.25,
        "HTTP 500 from Cart.com",
    )
    assert done.finished_at == T0 + timedelta(seconds=30)


def test_runs_are_listed_newest_first_with_filters(database: Database, integration_id: str) -> None:
    flows = [
        FlowName.ORDERS_PULL,
        FlowName.PRODUCTS_PULL,
        FlowName.ORDERS_PULL,
        FlowName.ORDERS_PULL,
    ]
    with database.session() as session:
        # The last two start in the same microsecond: insertion order breaks the tie.
        starts = [
            T0,
            T0 + timedelta(seconds=1),
            T0 + timedelta(seconds=2),
            T0 + timedelta(seconds=2),
        ]
        ids = [
            start_run(
                session, integration_id=integration_id, flow=flow, trigger="schedule", now=start
            )
            for flow, start in zip(flows, starts, strict=True)
        ]
    with database.read_session() as session:
        assert [r.run_id for r in list_runs(session)] == ids[::-1]
        assert [r.run_id for r in list_runs(session, flow=FlowName.ORDERS_PULL)] == [
            ids[3],
            ids[2],
            ids[0],
        ]
        assert [r.run_id for r in list_runs(session, limit=2)] == [ids[3], ids[2]]
        assert [
            r.run_id
            for r in list_runs(session, integration_id=integration_id, flow=FlowName.PRODUCTS_PULL)
        ] == [ids[1]]
        assert list_runs(session, integration_id="other") == []


def test_unknown_runs(database: Database) -> None:
    with database.session() as session:
        assert get_run(session, "0" * 16) is None
        with pytest.raises(NotFoundError):
            finish_run(
                session,
                "0" * 16,
                status=RunStatus.SUCCEEDED,
                counts=RunCounts(),
                api_calls=0,
                rate_limit_wait_seconds=0,
                error=None,
                now=T0,
            )
