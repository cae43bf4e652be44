"""`orderhub serve --workers N`: N processes answer HTTP, and the flows still run in one.

One Python process serves one core at most. With `--workers N`, uvicorn's supervisor starts
N worker processes that share the listening socket; each builds its own hub and web app
(`worker_app`, from the same environment). Process-local work stays in exactly one place:

- the embedded scheduler, the daily verification and so every flow run (pull, push, the
  runs a webhook delivery or "Sync now" asks for) stay in the `serve` process itself, which
  answers no HTTP; it finds due flows in the database at each tick (1 s);
- a worker never runs a flow: "Sync now" and retries mark flows due in the database, as a
  webhook delivery does (`DueInDatabase`), and the scheduler starts them at its next tick.
  Beside `orderhub worker`s (`--no-scheduler` on PostgreSQL) they defer the workers' job, as
  a single `serve --no-scheduler` does (`QueueWake`);
- the webhook inbox is in the database and the receiver's debounce only moves due times,
  so several receivers are safe; the portal's sessions are signed cookies and its job pages
  are rebuilt from the run history, so any worker answers any request (as front ends behind a
  load balancer already do). Per process remain: the sign-in throttle (each worker counts
  its own failures) and the in-flight limit (`ORDERHUB_MAX_IN_FLIGHT` per worker).
"""

from __future__ import annotations

import os
import socket

import uvicorn
from starlette.types import ASGIApp
from uvicorn.supervisors import Multiprocess

from orderhub.domain import FlowName

__all__ = ["DueInDatabase", "serve_workers", "worker_app"]

_WAKE_ENV = "ORDERHUB_SERVE_WAKE"
"""How a worker tells the flow runner (set by `serve` for its workers): `database`, `queue`."""


class DueInDatabase:
    """A waker for processes that do not run flows: the flow is already due in the
    database, and the scheduler of the `serve` process finds it at its next tick."""

    def __call__(self, integration_id: str, flows: list[FlowName], delay: float) -> None:
        return None


def worker_app() -> ASGIApp:
    """The web app of one worker process (uvicorn calls this factory in each worker)."""
    from orderhub.hooks import QueueWake, Waker
    from orderhub.hub import build_hub
    from orderhub.logs import configure_logging
    from orderhub.settings import Settings
    from orderhub.web import create_web_app

    settings = Settings.from_env()
    configure_logging(settings.log_format, level=settings.log_level)
    hub = build_hub(settings)
    waker: Waker | None = None
    if os.environ.get(_WAKE_ENV) == "database":
        waker = DueInDatabase()
    elif os.environ.get(_WAKE_ENV) == "queue":
        from orderhub.engine.distributed import libpq_conninfo  # the `workers` extra

        waker = QueueWake(libpq_conninfo(hub.settings.database_url))
    return create_web_app(hub, scheduler=None, waker=waker)


def serve_workers(*, host: str, port: int, workers: int, wake: str | None) -> None:
    """Serve `worker_app` in `workers` processes until SIGINT/SIGTERM (blocks; main thread).

    `wake`: how workers hand flows on, `database` (this process runs a scheduler) or `queue`
    (distributed workers on PostgreSQL); None: nobody runs flows.
    """
    if wake is not None:
        os.environ[_WAKE_ENV] = wake  # the workers are spawned with this environment
    else:
        os.environ.pop(_WAKE_ENV, None)
    # Bound here as `serve_in_thread` does: IPPROTO_TCP spelled out, or asyncio leaves Nagle
    # on and small keep-alive answers wait for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    config = uvicorn.Config(
        "orderhub.web_workers:worker_app",
        factory=True,
        workers=workers,
        log_level="warning",
        log_config=None,  # uvicorn's records go to the root logger (`orderhub.logs`)
        access_log=False,
        lifespan="off",
        proxy_headers=False,  # the hub's app decides whom to believe (`orderhub.proxies`)
    )
    try:
        Multiprocess(config, sockets=[sock]).run()
    finally:
        sock.close()
