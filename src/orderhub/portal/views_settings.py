"""An integration's settings page: each setting with what it does, a form, the store's order
statuses and what each becomes in the hub, and the history."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from orderhub.errors import HubError, NotFoundError
from orderhub.portal.context import PortalContext, form_of
from orderhub.services.integration_settings import (
    change_settings,
    integration_history,
    integration_settings,
    order_status_map,
    settings_of,
)
from orderhub.store import integrations as integration_store

__all__ = ["settings_routes"]


def settings_routes(ctx: PortalContext) -> list[Route]:
    hub = ctx.hub

    def page(
        request: Request, integration_id: str, *, error: str | None = None, status: int = 200
    ) -> Response:
        with hub.db.read_session() as session:
            integration = integration_store.get_integration(session, integration_id)
        if integration is None:
            return ctx.not_found(request, "That integration")
        return ctx.render(
            request,
            "integrations/settings.html",
            {
                "integration": integration,
                "values": integration_settings(hub, integration_id),
                "status_map": order_status_map(hub, integration_id),
                "history": integration_history(hub, integration_id, limit=50),
                "error": error,
            },
            status=status,
        )

    async def show(request: Request) -> Response:
        return page(request, request.path_params["integration_id"])

    async def change(request: Request) -> Response:
        integration_id = request.path_params["integration_id"]
        form = form_of(request)
        with hub.db.read_session() as session:
            integration = integration_store.get_integration(session, integration_id)
        if integration is None:
            return ctx.not_found(request, "That integration")
        wanted = {
            spec.key: str(form.get(spec.key, "")).strip() or None
            for spec in settings_of(hub, integration.connector)
            if spec.key in form
        }
        try:
            current = await run_in_threadpool(integration_settings, hub, integration_id)
        except NotFoundError:
            return ctx.not_found(request, "That integration")
        for value in current:
            # A list always sends its choice: its default, left as it was, is no change.
            if value.is_default and wanted.get(value.spec.key) == str(value.spec.default):
                del wanted[value.spec.key]
        try:
            lines = await run_in_threadpool(
                change_settings, hub, integration_id, wanted, actor="portal"
            )
        except NotFoundError:
            return ctx.not_found(request, "That integration")
        except HubError as problem:
            return page(request, integration_id, error=str(problem), status=400)
        ctx.flash(request, "Changed " + "; ".join(lines) + "." if lines else "Nothing changed.")
        return ctx.redirect(f"/integrations/{integration_id}/settings")

    base = "/integrations/{integration_id:str}/settings"
    return [ctx.route(base, show), ctx.route(base, change, methods=("POST",))]
