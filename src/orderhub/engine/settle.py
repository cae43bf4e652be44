"""How a run ends in the database: finished, given back, or left behind by a dead process.

A finished run gets its run row settled (status, counts, error) and its flow's next time, in
one transaction: after success the flow's cadence decides (a quiet pull polls less often, a
push looks again for its feed or its retries), after a failure the backoff does, and a
trigger that came during the run keeps its earlier time. A run given back for its store's call
budget leaves no run row. Runs still `running` when their flow's lease is taken again died
with their process and are closed as abandoned.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from orderhub.clock import Clock
from orderhub.domain import FlowName, Run, RunCounts, RunStatus
from orderhub.engine.backoff import earliest_retry, wait_after_failure
from orderhub.engine.cadence import next_pull_wait, next_push_wait
from orderhub.engine.context import FlowContext
from orderhub.engine.lease import RunLease, locked_flow_state
from orderhub.store import integrations as store_integrations
from orderhub.store import runs as store_runs
from orderhub.store.database import Database
from orderhub.store.flows import FlowState, set_next_run

__all__ = ["ABANDONED_MESSAGE", "close_abandoned_runs", "give_back", "settle_run"]

log = logging.getLogger(__name__)

ABANDONED_MESSAGE = (
    "abandoned: the process running it stopped before it finished; "
    "the next run resumed from the saved cursor"
)
_STALE_RUNS_CHECKED = 20


def settle_run(
    db: Database,
    clock: Clock,
    integration_id: str,
    flow: FlowName,
    run_id: str,
    ctx: FlowContext | None,
    error: str | None,
    claimed_next: datetime,
    interval: timedelta,
    *,
    dry_run: bool = False,
    is_push: bool = False,
    lease: RunLease | None = None,
) -> Run:
    """Finish the run row and set the flow's next time (a dry run leaves the schedule be);
    with `lease`, give it up in the same transaction (one commit ends the run)."""
    finished_at = clock.now()
    with db.session() as session:
        if lease is not None:
            lease.release_in(session)  # first, as at the start (lease row, then flow row)
        # Raises IntegrationNotFound if it was removed while it ran (its runs went with it).
        with locked_flow_state(session, integration_id, flow, now=finished_at) as state:
            if not dry_run:  # a dry run leaves the schedule as the real runs set it
                idle_runs: int | None = None
                if error is None and is_push:
                    retry = earliest_retry(session, integration_id, flow)
                    next_run_at = finished_at + next_push_wait(interval, retry, finished_at)
                elif error is None:
                    wait, idle_runs = next_pull_wait(
                        ctx.counts if ctx else RunCounts(),
                        idle_runs=state.idle_runs,
                        interval=interval,
                        longest=timedelta(seconds=state.max_interval_seconds),
                    )
                    next_run_at = finished_at + wait
                else:
                    next_run_at = finished_at + wait_after_failure(
                        session, integration_id, flow, run_id, interval
                    )
                triggered = state.next_run_at
                if triggered is not None and triggered < claimed_next:
                    next_run_at = min(next_run_at, triggered)
                store_integrations.set_flow_schedule(
                    session,
                    integration_id,
                    flow,
                    last_run_at=finished_at,
                    next_run_at=next_run_at,
                    last_error=error,
                    idle_runs=idle_runs,
                )
        run = store_runs.finish_run(
            session,
            run_id,
            status=RunStatus.FAILED if error else RunStatus.SUCCEEDED,
            counts=ctx.counts if ctx else RunCounts(),
            api_calls=ctx.api_calls if ctx else 0,
            rate_limit_wait_seconds=ctx.rate_limit_wait_seconds if ctx else 0.0,
            error=error,
            now=finished_at,
        )
    if lease is not None:
        lease.released()
    return run


def give_back(
    db: Database,
    clock: Clock,
    integration_id: str,
    flow: FlowName,
    run_id: str,
    before: FlowState,
    wait: float,
) -> None:
    """Undo a run's start: no run row, the schedule as it was but due when the budget
    allows, and a trigger's `requested` mark kept (also one that came meanwhile).

    The start changed nothing else of the schedule (it kept the last run and error), so
    moving the next run is the whole undo (`set_next_run`)."""
    now = clock.now()
    with db.session() as session:
        set_next_run(
            session,
            integration_id,
            flow,
            now + timedelta(seconds=wait),
            mark_requested=before.requested,
        )
        store_runs.discard_run(session, run_id)
    log.debug(
        "run %s: %s %s gave its slot back for %.1fs", run_id, integration_id, flow.value, wait
    )


def close_abandoned_runs(
    session: Session, integration_id: str, flow: FlowName, *, now: datetime
) -> None:
    """Runs of this flow still `running` while we hold its lease died with their process."""
    for run in store_runs.list_runs(
        session, integration_id=integration_id, flow=flow, limit=_STALE_RUNS_CHECKED
    ):
        if run.status is RunStatus.RUNNING:
            store_runs.finish_run(
                session,
                run.run_id,
                status=RunStatus.FAILED,
                counts=run.counts,
                api_calls=run.api_calls,
                rate_limit_wait_seconds=run.rate_limit_wait_seconds,
                error=ABANDONED_MESSAGE,
                now=now,
            )
