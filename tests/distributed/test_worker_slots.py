"""Every flow slot of a worker runs at once, and the dispatch still gets a thread.

Procrastinate runs a sync task (a flow run) in the event loop's default executor, whose size
is `min(32, cores + 4)`: without the worker's own executor, `--concurrency 16` on two cores
ran six flows at a time and the dispatch's reads queued behind them. Here as many sync jobs
as the default executor has threads, plus one, each wait at a barrier whose last party is a
dispatch-queue job's `asyncio.to_thread` call: the barrier opens only if all of them hold a
thread together. In process, on the test's PostgreSQL database, with Procrastinate's worker.
"""

from __future__ import annotations

import asyncio
import os
import threading

import procrastinate
import pytest

from orderhub.engine.distributed import ensure_procrastinate_schema, libpq_conninfo
from orderhub.engine.worker_slots import start_worker_tasks, thread_count

pytestmark = pytest.mark.postgres

FLOWS, DISPATCH = "test-flows", "test-dispatch"
DEFAULT_THREADS = min(32, (os.cpu_count() or 1) + 4)  # asyncio's default executor


def test_all_flow_slots_and_the_dispatch_read_hold_a_thread_at_once(pg_database_url: str) -> None:
    slots = DEFAULT_THREADS + 1
    barrier = threading.Barrier(slots + 1, timeout=30)
    passed: list[str] = []
    conninfo = libpq_conninfo(pg_database_url)
    ensure_procrastinate_schema(conninfo)
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo))

    def meet(who: str) -> None:
        barrier.wait()  # BrokenBarrierError if the parties never all hold a thread together
        passed.append(who)

    @app.task(name="test.flow", queue=FLOWS)
    def flow(n: int) -> None:
        meet(f"flow {n}")

    @app.task(name="test.dispatch", queue=DISPATCH)
    async def dispatch() -> None:
        await asyncio.to_thread(meet, "dispatch")

    async def work() -> None:
        async with app.open_async():
            for n in range(slots):
                await flow.defer_async(n=n)
            await dispatch.defer_async()
            tasks = start_worker_tasks(
                app, flows_queue=FLOWS, dispatch_queue=DISPATCH, name="t", concurrency=slots
            )
            while len(passed) < slots + 1 and not barrier.broken:
                await asyncio.sleep(0.05)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(work())

    assert not barrier.broken
    assert sorted(passed) == sorted([*(f"flow {n}" for n in range(slots)), "dispatch"])
    assert thread_count(slots) > slots  # spares for the dispatch and verification reads
