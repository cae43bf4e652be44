"""`GET /healthz`, `GET /readyz` and `GET /metrics`: the same three answers in every process.

The web process routes these paths here ahead of the portal (no session, no template, no
sign-in); `orderhub worker --metrics-port` serves this app alone. Nothing here writes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from orderhub.monitor.access import MetricsAccess
from orderhub.monitor.budget_reports import ReportedBudgets
from orderhub.monitor.collector import HubStateCollector
from orderhub.monitor.health import check_readiness
from orderhub.monitor.metrics import HubMetrics

if TYPE_CHECKING:
    from orderhub.hub import Hub

__all__ = ["MONITOR_PATHS", "create_monitor_app", "enable_metrics"]

MONITOR_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def enable_metrics(hub: Hub) -> HubMetrics:
    """The hub's metrics, made on first use with the database-derived gauges registered.

    Runs and store calls are counted only once this is called (`serve`, `worker`, `demo`
    call it at start), so one-off commands never import the Prometheus client. The call
    budgets stores report are kept in the database too, for the dashboard.
    """
    if hub.metrics is None:
        metrics = HubMetrics(budgets=ReportedBudgets(hub.db, hub.clock))
        metrics.registry.register(HubStateCollector(hub.db, hub.clock))
        hub.metrics = metrics
    return hub.metrics


def create_monitor_app(hub: Hub, *, queue_conninfo: str | None = None) -> Starlette:
    """The probes and the metrics of one process; `queue_conninfo`: also check the job queue."""
    metrics = enable_metrics(hub)
    access = MetricsAccess(hub.settings.metrics_token)

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"success": True, "code": 200, "status": "ok"})

    async def readyz(_request: Request) -> Response:
        readiness = await run_in_threadpool(check_readiness, hub.db, queue_conninfo=queue_conninfo)
        return JSONResponse(readiness.to_wire(), status_code=200 if readiness.ready else 503)

    async def metrics_page(request: Request) -> Response:
        if not access.allows(request.scope):
            status, message = access.refusal()
            return PlainTextResponse(message + "\n", status_code=status)
        body = await run_in_threadpool(metrics.render)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET", "HEAD"]),
            Route("/readyz", readyz, methods=["GET", "HEAD"]),
            Route("/metrics", metrics_page, methods=["GET"]),
        ]
    )
