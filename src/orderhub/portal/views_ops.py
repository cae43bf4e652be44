"""Exceptions (retry, resolve), run history and the progress page of long work."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from orderhub.domain import ExceptionStatus, FlowName
from orderhub.errors import NotFoundError
from orderhub.portal.context import PortalContext
from orderhub.services.exception_views import (
    connector_reason_words,
    exception_groups,
    exception_view,
    reason_words,
    store_platforms,
)
from orderhub.services.exceptions import RetryScope, resolve_exception
from orderhub.store import exceptions as exception_store
from orderhub.store import integrations as integration_store
from orderhub.store import runs as run_store

__all__ = ["RUNS_PER_PAGE", "ops_routes"]

RUNS_PER_PAGE = 100


def ops_routes(ctx: PortalContext) -> list[Route]:
    hub = ctx.hub

    async def exceptions(request: Request) -> Response:
        wanted = request.query_params.get("status", "open")
        status = ExceptionStatus.RESOLVED if wanted == "resolved" else ExceptionStatus.OPEN
        with hub.db.read_session() as session:
            items = exception_store.list_exceptions(session, status=status, limit=500)
            integrations = integration_store.list_integrations(session)
            names = {i.integration_id: i.name for i in integrations}
            stores = store_platforms(hub.connectors, integrations)
            words = connector_reason_words(hub.connectors)
            groups = exception_groups(session, items, stores, words)
        return ctx.render(
            request,
            "exceptions/list.html",
            {"groups": groups, "count": len(items), "status": status.value, "names": names},
        )

    async def exception_detail(request: Request) -> Response:
        with hub.db.read_session() as session:
            item = exception_store.get_exception(session, request.path_params["exception_id"])
            if item is None:
                return ctx.not_found(request, "That exception")
            view = exception_view(session, item)
        return ctx.render(
            request, "exceptions/detail.html", {"item": item, "view": view, "record": view.record}
        )

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

    async def retry_group(request: Request) -> Response:
        """Retry one group of the page: its integration, flow and reason (without a reason,
        every open exception of the flow)."""
        form = await request.form()
        integration_id = str(form.get("integration", ""))
        reason = str(form.get("reason", "")).strip() or None
        try:
            flow = FlowName(str(form.get("flow", "")))
        except ValueError:
            return ctx.not_found(request, "That flow")
        scope = RetryScope(integration_id, flow, reason)
        if reason is None:
            title = f"Retry the open exceptions of {flow.label}"
        else:
            with hub.db.read_session() as session:
                integrations = integration_store.list_integrations(session)
            words = reason_words(
                reason,
                store_platforms(hub.connectors, integrations).get(integration_id, "the store"),
                connector_reason_words(hub.connectors),
            )
            title = f"Retry “{words}” in {flow.label}"
        job = ctx.jobs.retry_group(scope, flow, title=title, back_url="/exceptions")
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
        try:
            page = max(1, min(int(request.query_params.get("page", "1")), 100_000))
        except ValueError:
            page = 1
        with hub.db.read_session() as session:
            items = run_store.list_runs(
                session,
                integration_id=integration_id,
                flow=flow,
                limit=RUNS_PER_PAGE + 1,  # one more: is there an older page?
                offset=(page - 1) * RUNS_PER_PAGE,
            )
            integrations = integration_store.list_integrations(session)
        older = len(items) > RUNS_PER_PAGE
        items = items[:RUNS_PER_PAGE]
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
                "page": page,
                "older": older,
            },
        )

    async def job_page(request: Request) -> Response:
        view = ctx.jobs.view(request.path_params["job_id"])
        if view is None:
            return ctx.not_found(
                request, "That job (a retry is followed only by the server that started it)"
            )
        return ctx.render(request, "job.html", {"view": view, "job": view.job})

    post = ("POST",)
    return [
        ctx.route("/exceptions", exceptions),
        ctx.route("/exceptions/retry-all", retry_all, methods=post),
        ctx.route("/exceptions/retry-flow", retry_group, methods=post),
        ctx.route("/exceptions/{exception_id:str}", exception_detail),
        ctx.route("/exceptions/{exception_id:str}/retry", retry_one, methods=post),
        ctx.route("/exceptions/{exception_id:str}/resolve", resolve, methods=post),
        ctx.route("/runs", runs),
        ctx.route("/jobs/{job_id:str}", job_page),
    ]
