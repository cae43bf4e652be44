"""The dashboard, exceptions (retry, resolve), run history and the progress page of long work."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from orderhub.domain import ExceptionStatus, FlowName, SyncException
from orderhub.portal.context import PortalContext
from orderhub.store import exceptions as exception_store
from orderhub.store import integrations as integration_store
from orderhub.store import runs as run_store
from orderhub.store.records import (
    EntityKind,
    Origin,
    StoredRecord,
    add_timeline_note,
    count_records,
    get_record_by_ext,
)

__all__ = ["ops_routes"]


def _record_of(session: Session, item: SyncException) -> StoredRecord | None:
    """The hub record an exception is about, when the hub holds one."""
    if item.entity_type not in {kind.value for kind in EntityKind}:
        return None
    return get_record_by_ext(
        session, EntityKind(item.entity_type), item.integration, item.ext_entity_id
    )


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
            record = _record_of(session, item)
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
        now = hub.clock.now()
        with hub.db.session() as session:
            item = exception_store.get_exception(session, exception_id)
            done = exception_store.resolve_exception(session, exception_id, now=now)
            record = _record_of(session, item) if done and item is not None else None
            if record is not None and item is not None:
                who = request.state.user.email if request.state.user else "someone"
                add_timeline_note(
                    session,
                    record.kind,
                    record.hub_id,
                    note=f"Exception {item.exception_type} marked resolved by {who} "
                    "in the portal (not fixed by a sync)",
                    origin=Origin(integration_id=None, actor="portal"),
                    now=now,
                )
        if done:
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
