"""`orderhub serve`: portal + API + store webhook receiver + embedded scheduler on
ORDERHUB_DATABASE_URL.

With `--no-scheduler` on PostgreSQL (front ends beside `orderhub worker`s), a webhook defers
the flow's job on the workers' queue at once (`orderhub.hooks.QueueWake`) rather than waiting
for their next dispatch."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from typing import TYPE_CHECKING, Annotated

import typer

from orderhub.cli.app import app
from orderhub.cli.output import console, err_console
from orderhub.errors import UsageError

if TYPE_CHECKING:
    from orderhub.engine import EmbeddedScheduler
    from orderhub.hooks import QueueWake
    from orderhub.hub import Hub

__all__ = ["serve"]


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port of the portal and API.")] = 8017,
    no_scheduler: Annotated[
        bool,
        typer.Option("--no-scheduler", help="Serve only; let other processes run the flows."),
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            help="Processes answering HTTP (one core each); flows still run in this one.",
        ),
    ] = 1,
    public_url: Annotated[
        str | None,
        typer.Option(
            "--public-url",
            help="The URL at which the stores reach this hub, for webhooks "
            "(default: ORDERHUB_PUBLIC_URL; none: the flows poll).",
        ),
    ] = None,
) -> None:
    """Serve the portal, the REST API and the webhook receiver, and run the enabled flows."""
    from orderhub.alerts import alert_ticker
    from orderhub.engine import EmbeddedScheduler
    from orderhub.engine.scheduler import chain_ticks
    from orderhub.hooks import QueueWake
    from orderhub.hub import build_hub
    from orderhub.logs import configure_logging
    from orderhub.monitor.app import enable_metrics
    from orderhub.services.daily_verification import verify_ticker
    from orderhub.serving import serve_in_thread
    from orderhub.settings import Settings
    from orderhub.web import create_web_app

    settings = Settings.from_env()
    configure_logging(settings.log_format, level=settings.log_level)
    if public_url is not None:
        settings = settings.replace(public_url=public_url)  # checked in Settings
        os.environ["ORDERHUB_PUBLIC_URL"] = settings.public_url or ""  # for --workers
    hub = build_hub(settings)
    if os.environ.get("FORWARDED_ALLOW_IPS") and not hub.settings.trusted_proxies:
        # Older READMEs said to set uvicorn's variable; the hub no longer lets uvicorn decide.
        err_console.print(
            "FORWARDED_ALLOW_IPS is not read: set ORDERHUB_TRUSTED_PROXIES to the addresses of "
            "your proxies, or clients are seen with the proxy's address",
            markup=False,
        )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    enable_metrics(hub)  # before the runner: its runs and calls are counted
    runner = hub.runner()
    daily = None if no_scheduler else verify_ticker(hub, runner)
    # Front ends without a scheduler leave the alerts' look to the workers.
    alerts = None if no_scheduler else alert_ticker(hub)
    scheduler = (
        None
        if no_scheduler
        else EmbeddedScheduler(runner, hub.db, on_tick=chain_ticks(daily, alerts))
    )
    waker = None
    if scheduler is None and hub.db.engine.dialect.name == "postgresql":
        from orderhub.engine.distributed import libpq_conninfo  # the `workers` extra

        waker = QueueWake(libpq_conninfo(hub.settings.database_url))
    try:
        if workers > 1:
            _serve_workers(hub, host, port, workers, scheduler, waker)
            return
        app = create_web_app(hub, scheduler=scheduler, waker=waker)
        with serve_in_thread(app, host=host, port=port) as web:
            _announce(hub, web.url)
            if scheduler is not None:
                scheduler.start()
            with contextlib.suppress(KeyboardInterrupt):
                stop.wait()
    finally:
        if scheduler is not None:
            scheduler.stop()
        if daily is not None:
            daily.join(timeout=30.0)  # a verification in progress stops at its next page
        if alerts is not None:
            alerts.join(timeout=15.0)  # a message being sent (a channel times out at 10 s)
        if waker is not None:
            waker.close()
        hub.close()


def _serve_workers(
    hub: Hub,
    host: str,
    port: int,
    workers: int,
    scheduler: EmbeddedScheduler | None,
    waker: QueueWake | None,
) -> None:
    """HTTP in `workers` processes; this one runs the scheduler (`orderhub.web_workers`)."""
    from orderhub.web_workers import serve_workers

    wake = "database" if scheduler is not None else ("queue" if waker is not None else None)
    _announce(hub, f"http://{host}:{port}")
    console.print(f"{workers} worker processes answer HTTP; flows run in this process.")
    if scheduler is not None:
        scheduler.start()
    try:
        serve_workers(host=host, port=port, workers=workers, wake=wake)
    except OSError as problem:
        raise UsageError(
            f"Cannot listen on {host}:{port}: {problem.strerror}; choose another port"
        ) from None


def _announce(hub: Hub, url: str) -> None:
    from orderhub.connectors.webhooks import hooks_prefix
    from orderhub.portal import setup_link
    from orderhub.services.webhooks import POLLING_ONLY

    console.print(f"OrderHub at {url}/  (API: {url}/api/v3)", markup=False)
    if hub.settings.public_url:
        for connector in hub.connectors:
            if connector.webhooks is not None:
                where = hub.settings.public_url + hooks_prefix(connector.kind)
                console.print(
                    f"Webhooks: {connector.display_name} delivers to {where}/…", markup=False
                )
    else:
        console.print(POLLING_ONLY, markup=False, soft_wrap=True)
    link = setup_link(hub, url)
    if link is not None:
        console.print(
            f"No administrator yet. Create one (this link works once): {link}",
            markup=False,
            soft_wrap=True,
        )
