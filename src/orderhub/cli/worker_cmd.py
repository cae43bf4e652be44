"""`orderhub worker`: run flows from the shared Procrastinate queue until SIGTERM/SIGINT.

Start as many as needed, on any machines sharing the hub's PostgreSQL database; together
they replace `orderhub serve`'s embedded scheduler (run the web front ends with
`--no-scheduler`). The hub's schema is not migrated here: run `orderhub db upgrade` once per
release, before starting the new workers. Procrastinate's own schema is applied on first
start if missing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from typing import TYPE_CHECKING, Annotated

import typer

from orderhub.cli.app import app
from orderhub.cli.output import err_console

if TYPE_CHECKING:
    import procrastinate

    from orderhub.engine import FlowRunner

__all__ = ["DISPATCH_EVERY_SECONDS", "STALLED_AFTER_SECONDS", "worker"]

# `engine.distributed.DistributedOptions`' defaults, spelled here so `orderhub --help` need not
# import Procrastinate to show them (a test keeps them the same).
DISPATCH_EVERY_SECONDS = 1
STALLED_AFTER_SECONDS = 30.0


@app.command("worker")
def worker(
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, help="Flow runs this process runs at once.")
    ] = 4,
    dispatch_every: Annotated[
        int,
        typer.Option("--dispatch-every", min=1, max=59, help="Seconds between due-flow checks."),
    ] = DISPATCH_EVERY_SECONDS,
    stalled_after: Annotated[
        float,
        typer.Option(
            "--stalled-after",
            min=1.0,
            help="Seconds without heartbeat after which a worker's jobs are given up.",
        ),
    ] = STALLED_AFTER_SECONDS,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            "--metrics-port",
            min=0,
            max=65535,
            help="Serve /metrics, /healthz and /readyz on this port (default: none).",
        ),
    ] = None,
    metrics_host: Annotated[
        str, typer.Option("--metrics-host", help="Address for --metrics-port.")
    ] = "127.0.0.1",
) -> None:
    """Run the enabled flows of every integration, sharing the work with the other workers."""
    import asyncio
    import socket

    from orderhub.alerts import alert_ticker
    from orderhub.engine.distributed import (
        DistributedOptions,
        build_procrastinate_app,
        ensure_procrastinate_schema,
        libpq_conninfo,
    )
    from orderhub.hub import build_hub
    from orderhub.logs import configure_logging
    from orderhub.monitor.app import create_monitor_app, enable_metrics
    from orderhub.services.daily_verification import daily_verifications
    from orderhub.serving import serve_in_thread
    from orderhub.settings import Settings

    settings = Settings.from_env()
    conninfo = libpq_conninfo(settings.database_url)  # refuses SQLite with one clear line
    options = DistributedOptions(
        dispatch_every_seconds=dispatch_every,
        heartbeat_seconds=min(DistributedOptions.heartbeat_seconds, stalled_after / 3),
        stalled_after_seconds=stalled_after,
    )
    configure_logging(settings.log_format, level=settings.log_level)
    if ensure_procrastinate_schema(conninfo):
        err_console.print("Applied the Procrastinate schema.", markup=False)
    hub = build_hub(settings, migrate=False)
    stop = threading.Event()
    try:
        enable_metrics(hub)  # before the runner: its runs and calls are counted
        runner = hub.runner()
        queue = build_procrastinate_app(
            conninfo,
            runner,
            hub.db,
            options=options,
            stop=stop,
            clock=hub.clock,
            verifications=daily_verifications(hub, runner),
        )
        name = f"{socket.gethostname()}:{os.getpid()}"
        with contextlib.ExitStack() as serving:
            if metrics_port is not None:
                monitor = create_monitor_app(hub, queue_conninfo=conninfo)
                served = serving.enter_context(
                    serve_in_thread(monitor, host=metrics_host, port=metrics_port)
                )
                err_console.print(f"Metrics at {served.url}/metrics", markup=False)
            alerts = alert_ticker(hub)
            if alerts is not None:
                # Every worker looks; the alerts lease lets one at a time evaluate and send.
                looker = threading.Thread(
                    target=alerts.run_until, args=(stop,), name="orderhub-alerts", daemon=True
                )
                looker.start()
                serving.callback(alerts.join, 15.0)  # callbacks run last first:
                serving.callback(looker.join, 15.0)
                serving.callback(stop.set)  # stop the loop, then wait for it
            err_console.print(f"Worker {name} running (concurrency {concurrency}).", markup=False)
            asyncio.run(_work(queue, runner, stop, name=name, concurrency=concurrency))
        err_console.print(f"Worker {name} stopped.", markup=False)
    finally:
        hub.close()


async def _work(
    queue: procrastinate.App,
    runner: FlowRunner,
    stop: threading.Event,
    *,
    name: str,
    concurrency: int,
) -> None:
    """Run two Procrastinate workers: `concurrency` flow slots, and one slot for dispatch.

    A signal asks running flows to stop at their next page and lets them finish.
    """
    import asyncio

    from orderhub.engine.distributed import DISPATCH_QUEUE, FLOWS_QUEUE
    from orderhub.engine.worker_slots import start_worker_tasks

    loop = asyncio.get_running_loop()
    async with queue.open_async():
        tasks = start_worker_tasks(
            queue,
            flows_queue=FLOWS_QUEUE,
            dispatch_queue=DISPATCH_QUEUE,
            name=name,
            concurrency=concurrency,
        )

        def on_signal() -> None:
            stop.set()
            runner.request_stop()
            for task in tasks:
                task.cancel()  # Procrastinate stops fetching and waits for the running jobs

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, on_signal)
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*tasks)
