"""An integration's page: its flows, connection, webhooks, budget and completeness; the list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from orderhub.domain import ConnectionReport, ExceptionStatus, FlowName, IntegrationStatus
from orderhub.portal.context import PortalContext
from orderhub.portal.views_verify import verify_panel
from orderhub.services.integrations import CONNECTION_REPORT_SETTING
from orderhub.services.verification import verifiable_flows
from orderhub.services.webhook_view import webhook_views
from orderhub.store import exceptions as exception_store
from orderhub.store import integrations as integration_store
from orderhub.store import runs as run_store

__all__ = ["available", "detail", "detail_page", "list_page"]


_PUSH_FLOWS = frozenset(
    {FlowName.PRODUCTS_PUSH, FlowName.INVENTORY_PUSH, FlowName.FULFILLMENTS_PUSH}
)
"""Flows that run when the hub changes, not on a timer (their next run is a safety look)."""


def _stored_report(settings: dict[str, Any]) -> tuple[datetime | None, ConnectionReport | None]:
    stored = settings.get(CONNECTION_REPORT_SETTING)
    if not isinstance(stored, dict):
        return None, None
    try:
        return (
            datetime.fromisoformat(str(stored.get("at"))),
            ConnectionReport.model_validate(stored.get("report")),
        )
    except (ValueError, TypeError):
        return None, None


def available(ctx: PortalContext, kind: str) -> frozenset[FlowName]:
    return ctx.hub.registry.available(kind)


async def list_page(ctx: PortalContext, request: Request) -> Response:
    with ctx.hub.db.read_session() as session:
        integrations = integration_store.list_integrations(session)
    return ctx.render(request, "integrations/list.html", {"integrations": integrations})


def detail(
    ctx: PortalContext,
    request: Request,
    integration_id: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    with ctx.hub.db.read_session() as session:
        integration = integration_store.get_integration(session, integration_id)
        if integration is None:
            return ctx.not_found(request, "That integration")
        connector = ctx.hub.connectors.of(integration)
        can_run = available(ctx, integration.connector)
        woken = connector.webhooks.watched_flows if connector.webhooks is not None else ()
        rows = []
        for setting in integration.flows:
            state = integration_store.get_flow_state(session, integration_id, setting.flow)
            last = run_store.list_runs(
                session, integration_id=integration_id, flow=setting.flow, limit=1
            )
            rows.append(
                {
                    "setting": setting,
                    "available": setting.flow in can_run,
                    "next_run_at": state.next_run_at if setting.enabled else None,
                    "pushes": setting.flow in _PUSH_FLOWS,
                    "woken": setting.flow in woken,
                    "since": state.start_from,
                    "last_run": last[0] if last else None,
                }
            )
        open_exceptions = exception_store.list_exceptions(
            session, status=ExceptionStatus.OPEN, integration_id=integration_id, limit=1000
        )
        panel = verify_panel(
            session,
            integration,
            verifiable_flows(ctx.hub, integration),
            ctx.hub.settings.verify_every_hours,
        )
    tested_at, report = _stored_report(integration.settings)
    webhooks = webhook_views(ctx.hub, [integration])[integration_id]
    budget = (
        connector.budget(ctx.hub.db, integration.api_url) if ctx.hub.shares_call_budgets else None
    )
    return ctx.render(
        request,
        "integrations/detail.html",
        {
            "integration": integration,
            "connector": connector,
            "flows": rows,
            "report": report,
            "tested_at": tested_at,
            "open_exceptions": len(open_exceptions),
            "webhooks": webhooks,
            "budget": budget,
            "errors": errors or {},
            "values": values or {},
            "connected": integration.status is IntegrationStatus.CONNECTED,
            "today": ctx.hub.clock.now().date().isoformat(),
            "panel": panel,
        },
        status=status,
    )


async def detail_page(ctx: PortalContext, request: Request) -> Response:
    return detail(ctx, request, request.path_params["integration_id"])
