"""Run history: one row per run of a flow, opened when it starts and closed when it ends.

A run left `running` by a process that died stays so in the history; the engine decides
how to present or close such runs (its lease has expired by then).
None of these functions commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, select, update
from sqlalchemy.orm import Session

from orderhub.domain import FlowName, Run, RunCounts, RunStatus
from orderhub.store.dialect import utc
from orderhub.store.errors import NotFoundError
from orderhub.store.tables import RunRow

__all__ = [
    "FlowStats",
    "RunFilter",
    "discard_run",
    "finish_run",
    "flow_stats",
    "get_run",
    "list_runs",
    "page_runs",
    "record_progress",
    "start_run",
]


def start_run(
    session: Session, *, integration_id: str, flow: FlowName, trigger: str, now: datetime
) -> str:
    """Open a run (`running`) and return its id (16 hex characters)."""
    run_id = secrets.token_hex(8)
    session.add(
        RunRow(
            run_id=run_id,
            integration_id=integration_id,
            flow=FlowName(flow).value,
            status=RunStatus.RUNNING.value,
            trigger=trigger,
            started_at=utc(now),
            finished_at=None,
            fetched=0,
            created=0,
            updated=0,
            unchanged=0,
            failed=0,
            api_calls=0,
            rate_limit_wait_seconds=0.0,
            error=None,
        )
    )
    session.flush()
    return run_id


def discard_run(session: Session, run_id: str) -> None:
    """Forget a run that gave its slot back before it called or wrote anything (the engine's
    `BudgetBusy`): as far as the history goes, it never started."""
    session.delete(_row(session, run_id))
    session.flush()


def finish_run(
    session: Session,
    run_id: str,
    *,
    status: RunStatus,
    counts: RunCounts,
    api_calls: int,
    rate_limit_wait_seconds: float,
    error: str | None,
    now: datetime,
) -> Run:
    """Close a run with its outcome, counts, API usage and error (if it failed); the run as
    closed (no second read)."""
    row = _row(session, run_id)
    row.status = RunStatus(status).value
    row.finished_at = utc(now)
    row.fetched = counts.fetched
    row.created = counts.created
    row.updated = counts.updated
    row.unchanged = counts.unchanged
    row.failed = counts.failed
    row.api_calls = api_calls
    row.rate_limit_wait_seconds = rate_limit_wait_seconds
    row.error = error
    session.flush()
    return _run(row)


def record_progress(session: Session, run_id: str, *, counts: RunCounts, api_calls: int) -> None:
    """Keep a running run's counts as of this transaction, which commits the work they count.

    So a run whose process is killed reports what it committed, not zeros. A run id with no
    row (a context built by hand in a test) updates nothing.
    """
    session.execute(
        update(RunRow)
        .where(RunRow.run_id == run_id, RunRow.status == RunStatus.RUNNING.value)
        .values(
            fetched=counts.fetched,
            created=counts.created,
            updated=counts.updated,
            unchanged=counts.unchanged,
            failed=counts.failed,
            api_calls=api_calls,
        )
    )


def get_run(session: Session, run_id: str) -> Run | None:
    row = session.scalars(select(RunRow).where(RunRow.run_id == run_id)).one_or_none()
    return _run(row) if row is not None else None


def list_runs(
    session: Session,
    *,
    integration_id: str | None = None,
    flow: FlowName | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Run]:
    """Runs, newest first (by start time, then by insertion for runs started together)."""
    query = select(RunRow)
    if integration_id is not None:
        query = query.where(RunRow.integration_id == integration_id)
    if flow is not None:
        query = query.where(RunRow.flow == FlowName(flow).value)
    query = query.order_by(RunRow.started_at.desc(), RunRow.id.desc()).limit(limit).offset(offset)
    return [_run(row) for row in session.scalars(query)]


@dataclass(frozen=True)
class RunFilter:
    integration: str | None = None
    flows: Sequence[str] = ()
    statuses: Sequence[str] = ()
    since: datetime | None = None
    until: datetime | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.integration is not None:
            found.append(RunRow.integration_id == self.integration)
        if self.flows:
            found.append(RunRow.flow.in_(list(self.flows)))
        if self.statuses:
            found.append(RunRow.status.in_(list(self.statuses)))
        if self.since is not None:
            found.append(RunRow.started_at >= utc(self.since))
        if self.until is not None:
            found.append(RunRow.started_at <= utc(self.until))
        return found


def page_runs(
    session: Session, where: RunFilter, *, skip: int, count: int
) -> tuple[list[Run], int]:
    """One page of runs, newest first (as `list_runs`), and how many match `where`."""
    conditions = where.conditions()
    total = session.scalar(select(func.count()).select_from(RunRow).where(*conditions)) or 0
    rows = session.scalars(
        select(RunRow)
        .where(*conditions)
        .order_by(RunRow.started_at.desc(), RunRow.id.desc())
        .limit(count)
        .offset(skip)
    )
    return [_run(row) for row in rows], total


@dataclass(frozen=True)
class FlowStats:
    integration_id: str
    flow: FlowName
    runs: int
    failed_runs: int
    fetched: int
    created: int
    updated: int
    failed_records: int
    api_calls: int
    rate_limit_wait_seconds: float


def flow_stats(session: Session, *, since: datetime) -> list[FlowStats]:
    """Per integration and flow: sums over the runs that started since `since`."""
    failed = case((RunRow.status == RunStatus.FAILED.value, 1), else_=0)
    rows = session.execute(
        select(
            RunRow.integration_id,
            RunRow.flow,
            func.count(),
            func.sum(failed),
            func.sum(RunRow.fetched),
            func.sum(RunRow.created),
            func.sum(RunRow.updated),
            func.sum(RunRow.failed),
            func.sum(RunRow.api_calls),
            func.sum(RunRow.rate_limit_wait_seconds),
        )
        .where(RunRow.started_at >= utc(since))
        .group_by(RunRow.integration_id, RunRow.flow)
    )
    return [
        FlowStats(
            integration_id=row[0],
            flow=FlowName(row[1]),
            runs=int(row[2] or 0),
            failed_runs=int(row[3] or 0),
            fetched=int(row[4] or 0),
            created=int(row[5] or 0),
            updated=int(row[6] or 0),
            failed_records=int(row[7] or 0),
            api_calls=int(row[8] or 0),
            rate_limit_wait_seconds=float(row[9] or 0.0),
        )
        for row in rows
    ]


def last_success_of(integration_id: Any, flow: Any) -> Any:
    """When that flow's newest successful run finished, as a correlated scalar subquery over
    `integration_id` and `flow` columns (e.g. `FlowRow`'s): it walks the
    `(integration_id, flow, id)` index backwards and stops at the first success, one step for a
    healthy flow, however many runs there are."""
    return (
        select(RunRow.finished_at)
        .where(
            RunRow.integration_id == integration_id,
            RunRow.flow == flow,
            RunRow.status == RunStatus.SUCCEEDED.value,
        )
        .order_by(RunRow.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _row(session: Session, run_id: str) -> RunRow:
    row = session.scalars(select(RunRow).where(RunRow.run_id == run_id)).one_or_none()
    if row is None:
        raise NotFoundError(f"No run with id {run_id!r}")
    return row


def _run(row: RunRow) -> Run:
    return Run(
        run_id=row.run_id,
        integration=row.integration_id,
        flow=FlowName(row.flow),
        status=RunStatus(row.status),
        trigger=row.trigger,
        started_at=row.started_at,
        finished_at=row.finished_at,
        counts=RunCounts(
            fetched=row.fetched,
            created=row.created,
            updated=row.updated,
            unchanged=row.unchanged,
            failed=row.failed,
        ),
        api_calls=row.api_calls,
        rate_limit_wait_seconds=row.rate_limit_wait_seconds,
        error=row.error,
    )
