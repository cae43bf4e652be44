"""`orderhub serve`: portal + API + embedded scheduler on ORDERHUB_DATABASE_URL."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from typing import Annotated

import typer

from orderhub.cli.app import app
from orderhub.cli.output import console, err_console
from orderhub.engine import EmbeddedScheduler
from orderhub.hub import build_hub
from orderhub.portal import setup_link
from orderhub.services.daily_verification import verify_ticker
from orderhub.serving import serve_in_thread
from orderhub.web import create_web_app

__all__ = ["serve"]


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port of the portal and API.")] = 8017,
    no_scheduler: Annotated[
        bool,
        typer.Option("--no-scheduler", help="Serve only; let other processes run the flows."),
    ] = False,
) -> None:
    """Serve the portal and the REST API, and run the enabled flows on their schedule."""
    hub = build_hub()
    if os.environ.get("FORWARDED_ALLOW_IPS") and not hub.settings.trusted_proxies:
        # Older READMEs said to set uvicorn's variable; the hub no longer lets uvicorn decide.
        err_console.print(
            "FORWARDED_ALLOW_IPS is not read: set ORDERHUB_TRUSTED_PROXIES to the addresses of "
            "your proxies, or clients are seen with the proxy's address",
            markup=False,
        )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    runner = hub.runner()
    daily = None if no_scheduler else verify_ticker(hub, runner)
    scheduler = None if no_scheduler else EmbeddedScheduler(runner, hub.db, on_tick=daily)
    try:
        app = create_web_app(hub, scheduler=scheduler)
        with serve_in_thread(app, host=host, port=port) as web:
            console.print(f"OrderHub at {web.url}/  (API: {web.url}/api/v3)", markup=False)
            link = setup_link(hub, web.url)
            if link is not None:
                console.print(
                    f"No administrator yet. Create one (this link works once): {link}",
                    markup=False,
                    soft_wrap=True,
                )
            if scheduler is not None:
                scheduler.start()
            with contextlib.suppress(KeyboardInterrupt):
                stop.wait()
    finally:
        if scheduler is not None:
            scheduler.stop()
        if daily is not None:
            daily.join(timeout=30.0)  # a verification in progress stops at its next page
        hub.close()
