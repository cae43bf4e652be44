"""The daily verification under distributed workers: a Procrastinate task and its dispatch.

The dispatch job (engine/distributed.py) calls `defer_due()` on each of its ticks; at most
once per `check_every_seconds` it asks which integrations are due (`due_verifications`) and
defers one `orderhub.verify` job for each that has none queued or running. The job's
`queueing_lock` and `lock` (`verify:<integration>`) keep one per integration in the queue, and
the verification's own lease keeps one running across every process, whatever the queue does.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable

import procrastinate
from procrastinate import exceptions as procrastinate_errors

from orderhub.clock import Clock
from orderhub.engine.verify_schedule import VerifySchedule, due_verifications
from orderhub.store.database import Database

__all__ = ["VERIFY_TASK", "add_verify_task", "verify_job_lock"]

log = logging.getLogger(__name__)

VERIFY_TASK = "orderhub.verify"


def verify_job_lock(integration_id: str) -> str:
    return f"verify:{integration_id}"


def add_verify_task(
    app: procrastinate.App,
    schedule: VerifySchedule,
    db: Database,
    clock: Clock,
    *,
    queue: str,
    stop: threading.Event | None,
) -> Callable[[], Awaitable[int]]:
    """Register the verify task on `app`; return the dispatch's `defer_due()` (jobs deferred)."""

    @app.task(name=VERIFY_TASK, queue=queue)
    def verify_integration(integration_id: str) -> str:
        """One integration's verification; its outcome is in the verification history."""
        if stop is not None and stop.is_set():
            return "stopping"
        schedule.verify(integration_id, stop)
        return "done"

    looked_at: list[float] = []

    async def defer_due() -> int:
        moment = clock.monotonic()
        if looked_at and moment - looked_at[0] < schedule.check_every_seconds:
            return 0
        looked_at[:] = [moment]
        due = await asyncio.to_thread(_due, db, clock, schedule)
        if not due:
            return 0
        pending = await _pending_locks(app)
        deferred = 0
        for integration_id in due:
            lock = verify_job_lock(integration_id)
            if lock in pending:
                continue  # queued or running: that job covers it
            try:
                await verify_integration.configure(lock=lock, queueing_lock=lock).defer_async(
                    integration_id=integration_id
                )
            except procrastinate_errors.AlreadyEnqueued:
                continue
            deferred += 1
        return deferred

    return defer_due


def _due(db: Database, clock: Clock, schedule: VerifySchedule) -> list[str]:
    with db.read_session() as session:
        return due_verifications(session, clock.now(), every=schedule.every)


async def _pending_locks(app: procrastinate.App) -> set[str]:
    rows = await app.connector.execute_query_all_async(
        "SELECT lock FROM procrastinate_jobs "
        "WHERE task_name = %(task_name)s AND status IN ('todo', 'doing') AND lock IS NOT NULL",
        task_name=VERIFY_TASK,
    )
    return {str(row["lock"]) for row in rows}
