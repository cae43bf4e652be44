"""The dashboard, exceptions (retry, resolve), run history and the progress page of long work."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from orderhub.domain import ExceptionStatus, FlowName
from orderhub.errors import NotFoundError
from orderhub.portal.context import PortalContext
from orderhub.services.exceptions import record_of_exception, resolve_exception
from orderhub.store import exceptions as exception_store
from orderhub.store import integrations as integration_store
from orderhub.store import runs as run_store
from orderhub.store.records import (
    EntityKind,
    count_records,
)

__all__ = ["ops_routes"]


def ops_routes(ctx: PortalContext) -> list[Route]:
    hub = ctx.hub

    async def dashboard(request: Request) -> Response:
        now = hub.clock.now()
        with hub.db.read_session() as session:
            integrations = integration_store.list_integrations(session)
            day = run_store.flow_stats(session, since=now - timedelta(hours=24))
            hour = run_store.flow_stats(session, since=now - timedelta(hours=1))
            open_exceptions = len(
                exception_store.list_exceptions(session, status=ExceptionStatus.OPEN, limit=1000)
            )
            totals = {
                kind.value: count_records(session, kind)
                for kind in (EntityKind.ORDER, EntityKind.PRODUCT, EntityKind.FULFILLMENT)
            }
        stats = {(s.integration_id, s.flow): s for s in day}
        budget = {
            integration.integration_id: {
                "day": sum(
                    s.api_calls for s in day if s.integration_id == integration.integration_id
                ),
                "hour": sum(
                    s.api_calls for s in hour if s.integration_id == integration.integration_id
                ),
                "waited": sum(
                    s.rate_limit_wait_seconds
                    for s in day
                    if s.integration_id == integration.integration_id
                ),
            }
            for integration in integrations
        }
        return ctx.render(
            request,
            "dashboard.html",
            {
                "integrations": integrations,
                "stats": stats,
                "budget": budget,
                "open_exceptions": open_exceptions,
                "totals": totals,
                "available": hub.registry.available("cartcom"),
            },
        )

    async def exceptions(request: Request) -> Response:
        wanted = request.query_params.get("status", "open")
        status = ExceptionStatus.RESOLVED if wanted == "resolved" else ExceptionStatus.OPEN
        with hub.db.read_session() as session:
            items = exception_store.list_exceptions(session, status=status, limit=500)
            names = {i.integration_id: i.name for i in integration_store.list_integrations(session)}
        return ctx.render(
            request,
            "exceptions/list.html",
            {"items": items, "status": status.value, "names": names},
        )

    async def exception_detail(request: Request) -> Response:
        with hub.db.read_session() as session:
            item = exception_store.get_exception(session, request.path_params["exception_id"])
            if item is None:
                return ctx.not_found(request, "That exception")
            record = record_of_exception(session, item)
        return ctx.render(request, "exceptions/detail.html", {"item": item, "record": record})

    async def retry_one(request: Request) -> Response:
        exception_id = request.path_params["exception_id"]
        job = ctx.jobs.retry(
            exception_id,
            title=f"Retry exception {exception_id}",
            back_url=f"/exceptions/{exception_id}",
        )
        return ctx.redirect(f"/jobs/{job.job_id}")

    async def retry_all(request: Request) -> Response:
        job = ctx.jobs.retry_all(title="Retry all open exceptions", back_url="/exceptions")
        return ctx.redirect(f"/jobs/{job.job_id}")

    async def resolve(request: Request) -> Response:
        exception_id = request.path_params["exception_id"]
        who = request.state.user.email if request.state.user else "someone"
        try:
            resolved = resolve_exception(hub, exception_id, actor="portal", by=who)
        except NotFoundError:
            return ctx.not_found(request, "That exception")
        if resolved.resolved_now:
            ctx.flash(request, "Exception marked resolved.")
        else:
            ctx.flash(request, "That exception was resolved already.", "info")
        return ctx.redirect(f"/exceptions/{exception_id}")

    async def runs(request: Request) -> Response:
        integration_id = request.query_params.get("integration") or None
        try:
            flow = (
                FlowName(request.query_params["flow"]) if request.query_params.get("flow") else None
            )
        except ValueError:
            flow = None
        with hub.db.read_session() as session:
            items = run_store.list_runs(
                session, integration_id=integration_id, flow=flow, limit=200
            )
            integrations = integration_store.list_integrations(session)
        return ctx.render(
            request,
            "runs.html",
            {
                "runs": items,
                "integrations": integrations,
                "names": {i.integration_id: i.name for i in integrations},
                "flows": list(FlowName),
                "selected": {
                    "integration": integration_id or "",
                    "flow": flow.value if flow else "",
                },
            },
        )

    async def job_page(request: Request) -> Response:
        view = ctx.jobs.view(request.path_params["job_id"])
        if view is None:
            return ctx.not_found(
                request, "That job (a retry is followed only by the server that started it)"
            )
        return ctx.render(request, "job.html", {"view": view, "job": view.job})

    async def health(request: Request) -> Response:
        return JSONResponse({"success": True, "code": 200, "status": "ok"})

    post = ("POST",)
    return [
        ctx.route("/", dashboard),
        ctx.route("/healthz", health, public=True),
        ctx.route("/exceptions", exceptions),
        ctx.route("/exceptions/retry-all", retry_all, methods=post),
        ctx.route("/exceptions/{exception_id:str}", exception_detail),
        ctx.route("/exceptions/{exception_id:str}/retry", retry_one, methods=post),
        ctx.route("/exceptions/{exception_id:str}/resolve", resolve, methods=post),
        ctx.route("/runs", runs),
        ctx.route("/jobs/{job_id:str}", job_page),
    ]
