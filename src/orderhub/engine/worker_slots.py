"""The Procrastinate workers of one `orderhub worker` process: flow slots and a dispatch slot.

Two things Procrastinate leaves to its caller decide how soon a flow's job runs:

- **Threads.** A flow run is synchronous, and Procrastinate runs a sync task in the event
  loop's default executor, whose size is `min(32, cores + 4)` — 6 on a 2-core machine,
  whatever `--concurrency` says. Past that, jobs fetched into free slots queue for a thread
  in submission order (not by priority), behind runs asleep in a steel store's budget, and
  the dispatch's own database reads (`asyncio.to_thread`) queue with them. Measured in
  `bench/capacity.py --trace` at 250 quiet steel stores, `--concurrency 16`: a webhook's job
  waited p50 2.9 s, p95 10.2 s between being fetched and its run starting. So the loop gets an
  executor with a thread for every slot, and a few over for the dispatch and verification
  reads, which therefore never wait for a flow.
- **Polling.** A trigger's job is deferred for when its flow is due (the webhook debounce,
  0.5-2 s ahead); its insert NOTIFYs the workers, who find nothing due yet and then wait for
  the next poll, and a job queued behind its flow's running job (the `lock`) is likewise
  found by a poll. Procrastinate polls every 5 s by default: up to 5 s more per trigger. The
  flow slots poll every `FETCH_POLL_SECONDS`; the dispatch slot keeps the default, since its
  jobs are due when deferred and their NOTIFY wakes it.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from orderhub.extras import missing_extra

try:
    import procrastinate
except ImportError as missing:  # the `workers` extra is not installed
    raise missing_extra("workers", missing) from None

__all__ = ["FETCH_POLL_SECONDS", "SPARE_THREADS", "start_worker_tasks", "thread_count"]

FETCH_POLL_SECONDS = 0.5
"""How often an idle worker looks for a job whose time came (a deferred trigger, a lock that
freed): one cheap query per half second, for at most half a second of latency."""
SPARE_THREADS = 4
"""Threads beyond the flow slots: the dispatch's and the verifications' reads, name lookups."""


def thread_count(concurrency: int) -> int:
    """Threads of the loop's executor: one per flow slot, and the spares."""
    return concurrency + SPARE_THREADS


def start_worker_tasks(
    app: procrastinate.App,
    *,
    flows_queue: str,
    dispatch_queue: str,
    name: str,
    concurrency: int,
    poll_seconds: float = FETCH_POLL_SECONDS,
) -> list[asyncio.Task[None]]:
    """In the running loop (with `app` open): `concurrency` flow slots polling the queue every
    `poll_seconds`, and one dispatch slot.

    Cancel the tasks to stop: Procrastinate stops fetching and waits for the running jobs.
    """
    loop = asyncio.get_running_loop()
    loop.set_default_executor(
        ThreadPoolExecutor(max_workers=thread_count(concurrency), thread_name_prefix="orderhub")
    )
    return [
        asyncio.create_task(
            app.run_worker_async(
                queues=[flows_queue],
                concurrency=concurrency,
                name=name,
                install_signal_handlers=False,
                fetch_job_polling_interval=poll_seconds,
            )
        ),
        asyncio.create_task(
            app.run_worker_async(
                queues=[dispatch_queue],
                concurrency=1,
                name=f"{name}/dispatch",
                install_signal_handlers=False,
            )
        ),
    ]
