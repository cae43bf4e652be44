"""Distributed flow runs: Procrastinate workers on the hub's own PostgreSQL.

Any number of `orderhub worker` processes, on any number of machines, share one PostgreSQL
database: the hub's tables and Procrastinate's queue live side by side in it. Nothing here is
a scheduler of our own: Procrastinate defers a periodic `dispatch` job (one per tick across all
workers, thanks to its periodic-defer bookkeeping), and that job asks the store the same
question the embedded scheduler asks (`due_flows`) and defers one `run_flow` job per due
(integration, flow). The job makes the same call the embedded scheduler makes:
`FlowRunner.run_flow(..., trigger="schedule", only_if_due=True)`.

Guarantees, and what provides each:

- At most one run of a flow at a time: the runner's database lease `flow:<id>:<flow>`. The
  job's `queueing_lock` (a second defer while one is queued is a no-op) and `lock` (one job
  per key in `doing`) only keep the queue small, and dispatch skips flows with a job queued
  or running; correctness never depends on any of them.
- A worker killed mid-run: its run keeps the lease until it is stolen (at once on the same
  host, where the dead pid is seen; after the lease TTL elsewhere) and its job stays `doing`
  in Procrastinate, which blocks jobs with the same `lock`. Each dispatch fails the jobs of
  workers whose heartbeat is older than `stalled_after_seconds`, so the flow is deferred
  again and runs on another worker. Dispatch jobs have their own queue, served by a
  one-slot worker in every process, so busy flow slots never delay them. The wait is
  bounded by `max(stalled_after_seconds + dispatch period, lease TTL if the dead worker was
  on another host) + the time until a flow slot frees up` (none if a worker is idle).
- No duplicate effect: a flow resumes from its saved cursor, and records are upserted by
  (integration, external id), so a run repeated after a crash re-reads, not re-creates.

Jobs made by a trigger (a webhook, Sync now, a settings change, a hub change waiting in a
push flow's feed) get `TRIGGERED_PRIORITY`, above the `SCHEDULED_PRIORITY` of safety polls,
first looks and retries: Procrastinate hands out the highest priority first, so a backlog of
timer work (a thousand stores just connected) never delays a store's new order. A trigger for
a flow whose timer job is queued already raises that job's priority (`raise_queued_priority`).

`FlowBusy` and `FlowNotDue` (another worker has it, or ran it a moment ago) are normal
outcomes, logged at debug level.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.engine import make_url

from orderhub.extras import missing_extra

try:
    import procrastinate
    import psycopg
    from procrastinate import exceptions as procrastinate_errors
    from procrastinate.jobs import Status as JobStatus
    from procrastinate.schema import SchemaManager
except ImportError as missing:  # the `workers` extra is not installed
    raise missing_extra("workers", missing) from None

from orderhub.clock import Clock, SystemClock
from orderhub.domain import FlowName, Run
from orderhub.engine.cadence import budget_patience, feed_watches
from orderhub.engine.errors import BudgetBusy
from orderhub.engine.lease import flow_lease_key
from orderhub.engine.runner import FlowRunner
from orderhub.engine.scheduled_run import run_due_flow
from orderhub.engine.verify_jobs import add_verify_task
from orderhub.engine.verify_schedule import VerifySchedule
from orderhub.errors import UsageError
from orderhub.store.database import Database
from orderhub.store.due_flows import DueFlow, FeedWatch, find_due_flows

__all__ = [
    "DISPATCH_QUEUE",
    "DISPATCH_TASK",
    "FLOWS_QUEUE",
    "RUN_FLOW_TASK",
    "SCHEDULED_PRIORITY",
    "TRIGGERED_PRIORITY",
    "DistributedOptions",
    "build_procrastinate_app",
    "ensure_procrastinate_schema",
    "job_priority",
    "libpq_conninfo",
    "raise_queued_priority",
]

log = logging.getLogger(__name__)

DISPATCH_TASK = "orderhub.dispatch"
RUN_FLOW_TASK = "orderhub.run_flow"
DISPATCH_QUEUE = "orderhub-dispatch"
"""Dispatch jobs have a queue (and a worker slot) of their own: long runs never delay them."""
FLOWS_QUEUE = "orderhub-flows"
TRIGGERED_PRIORITY = 10
"""Procrastinate priority of a run a trigger asked for (higher runs first)."""
SCHEDULED_PRIORITY = 0
"""Procrastinate priority of timer work: safety polls, first looks, retries, verifications."""
_RAISE_PRIORITY = (
    "UPDATE procrastinate_jobs SET priority = %(priority)s "
    "WHERE task_name = %(task_name)s AND status = 'todo' AND lock = ANY(%(locks)s) "
    "AND priority < %(priority)s"
)
_SCHEMA_LOCK_ID = 0x0D_E2_0B_7A  # pg_advisory_lock key: one worker applies the schema
_NOT_POSTGRES = (
    "orderhub worker needs PostgreSQL: set ORDERHUB_DATABASE_URL to a postgresql:// URL "
    "(on SQLite, `orderhub serve` runs the flows itself)"
)


@dataclass(frozen=True)
class DistributedOptions:
    """Timings of the distributed engine (seconds); the defaults suit production."""

    dispatch_every_seconds: int = 1
    heartbeat_seconds: float = 5.0
    stalled_after_seconds: float = 30.0

    def __post_init__(self) -> None:
        if not 1 <= self.dispatch_every_seconds <= 59:
            raise ValueError("dispatch_every_seconds must be between 1 and 59")
        if self.heartbeat_seconds <= 0 or self.stalled_after_seconds <= self.heartbeat_seconds:
            raise ValueError("stalled_after_seconds must exceed a positive heartbeat_seconds")


def libpq_conninfo(database_url: str) -> str:
    """The libpq URL of the hub's PostgreSQL database; one clear error for anything else."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise UsageError(_NOT_POSTGRES)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def ensure_procrastinate_schema(conninfo: str) -> bool:
    """Apply Procrastinate's schema if it is missing; True if this call applied it.

    Workers starting together take an advisory lock first, so exactly one applies it.
    """
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute("SELECT pg_advisory_lock(%s)", (_SCHEMA_LOCK_ID,))
        try:
            row = connection.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
            if row is not None and row[0] is not None:
                return False
            with connection.transaction():
                connection.execute(SchemaManager.get_schema())
            return True
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (_SCHEMA_LOCK_ID,))


def build_procrastinate_app(
    conninfo: str,
    runner: FlowRunner,
    db: Database,
    *,
    options: DistributedOptions | None = None,
    stop: threading.Event | None = None,
    clock: Clock | None = None,
    verifications: VerifySchedule | None = None,
) -> procrastinate.App:
    """A Procrastinate app whose tasks run this process's flows through `runner`.

    `stop` is the shutdown signal runs see through `ctx.should_stop()`; `clock` decides
    which flows are due (the runner's own clock re-checks under the lease). `verifications`:
    the dispatch also defers the daily verifications that are due (engine/verify_jobs.py).
    """
    opts = options or DistributedOptions()
    now_clock: Clock = clock or SystemClock()
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=conninfo, min_size=1, max_size=6),
        worker_defaults={
            "update_heartbeat_interval": opts.heartbeat_seconds,
            "stalled_worker_timeout": opts.stalled_after_seconds,
            "delete_jobs": "successful",
        },
    )
    defer_verifications = (
        add_verify_task(app, verifications, db, now_clock, queue=FLOWS_QUEUE, stop=stop)
        if verifications is not None
        else None
    )

    feeds = feed_watches(runner.registry)

    @app.task(name=RUN_FLOW_TASK, queue=FLOWS_QUEUE, pass_context=True)
    def run_flow(context: procrastinate.JobContext, integration_id: str, flow: str) -> str:
        """One scheduled run; a refusal is an outcome, not an error of the job.

        A run its store's call budget would keep waiting gives its slot back: the job defers
        itself again, at its own priority, for when the budget allows.
        """
        triggered = (context.job.priority or 0) >= TRIGGERED_PRIORITY
        outcome = run_due_flow(
            runner,
            db,
            now_clock,
            integration_id,
            FlowName(flow),
            stop,
            patience=budget_patience(triggered),
        )
        if isinstance(outcome, BudgetBusy):
            key = flow_lease_key(integration_id, FlowName(flow))
            # AlreadyEnqueued: a trigger deferred it meanwhile, and that job covers it.
            with contextlib.suppress(procrastinate_errors.AlreadyEnqueued):
                run_flow.configure(
                    lock=key,
                    queueing_lock=key,
                    priority=context.job.priority,
                    schedule_in={"seconds": math.ceil(outcome.wait_seconds)},
                ).defer(integration_id=integration_id, flow=flow)
            return "budget"
        return outcome.status.value if isinstance(outcome, Run) else outcome

    @app.periodic(cron=f"*/{opts.dispatch_every_seconds} * * * * *", periodic_id="due-flows")
    @app.task(name=DISPATCH_TASK, queue=DISPATCH_QUEUE, queueing_lock=DISPATCH_TASK)
    async def dispatch(timestamp: int) -> dict[str, int]:
        """Clear jobs of dead workers, then defer a run of every due flow without a job.

        Returns what it did: `deferred`, `pending` (due, but a job is queued or running
        already) and `refused` (deferred meanwhile by someone else: the queueing lock said no).
        """
        await _fail_stalled_jobs(app, opts.stalled_after_seconds)
        due = await asyncio.to_thread(_due, db, now_clock, feeds)
        pending = await _pending_flow_jobs(app) if due else set()
        outcome = {"deferred": 0, "pending": 0, "refused": 0}
        hurry: list[str] = []
        for item in due:
            key = flow_lease_key(item.integration_id, item.flow)
            if key in pending:
                outcome["pending"] += 1  # that job covers this tick
                if item.triggered:
                    hurry.append(key)  # it may be a timer job: a trigger raises it
                continue
            try:
                await run_flow.configure(
                    lock=key, queueing_lock=key, priority=job_priority(item.triggered)
                ).defer_async(integration_id=item.integration_id, flow=item.flow.value)
            except procrastinate_errors.AlreadyEnqueued:
                outcome["refused"] += 1
                continue
            outcome["deferred"] += 1
        if hurry:
            raised = await app.connector.execute_query_all_async(
                _RAISE_PRIORITY + " RETURNING id",
                priority=TRIGGERED_PRIORITY,
                task_name=RUN_FLOW_TASK,
                locks=hurry,
            )
            if raised:
                outcome["raised"] = len(raised)
        if defer_verifications is not None:
            outcome["verifications"] = await defer_verifications()
        return outcome

    return app


def job_priority(triggered: bool) -> int:
    """The Procrastinate priority of a flow's job: a trigger's above timer work."""
    return TRIGGERED_PRIORITY if triggered else SCHEDULED_PRIORITY


def raise_queued_priority(connector: procrastinate.BaseConnector, key: str) -> None:
    """A trigger for a flow whose job is queued already: that job now runs as triggered."""
    connector.execute_query(
        _RAISE_PRIORITY, priority=TRIGGERED_PRIORITY, task_name=RUN_FLOW_TASK, locks=[key]
    )


def _due(
    db: Database, clock: Clock, feeds: Mapping[FlowName, Sequence[FeedWatch]]
) -> list[DueFlow]:
    with db.read_session() as session:
        return find_due_flows(session, now=clock.now(), feeds=feeds)


async def _pending_flow_jobs(app: procrastinate.App) -> set[str]:
    """Locks of the flow jobs queued or running now.

    Deferring a flow that has a job queued would only be refused by the queueing lock, at the
    price of a failed INSERT that PostgreSQL logs as an error: at a hundred flows a second that
    is a hundred log lines a second. One read per dispatch avoids them.
    """
    rows = await app.connector.execute_query_all_async(
        "SELECT lock FROM procrastinate_jobs "
        "WHERE task_name = %(task_name)s AND status IN ('todo', 'doing') AND lock IS NOT NULL",
        task_name=RUN_FLOW_TASK,
    )
    return {str(row["lock"]) for row in rows}


async def _fail_stalled_jobs(app: procrastinate.App, stalled_after: float) -> None:
    """Jobs still `doing` on a worker without heartbeat died with it: mark them failed.

    A failed `run_flow` job frees its `lock`, so the next dispatch's job for that flow can
    start; the flow's own state (cursor, schedule, lease) is the runner's to settle.
    """
    manager = app.job_manager
    stalled = await manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after)
    for job in stalled:
        if job.id is None:  # pragma: no cover - jobs read from the database have ids
            continue
        log.warning(
            "job %s (%s) died with its worker; the flow is deferred again", job.id, job.lock
        )
        await manager.finish_job_by_id_async(job.id, status=JobStatus.FAILED, delete_job=False)
