"""The alerts page: open incidents first, the recent cleared ones, and where messages go."""

from __future__ import annotations

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from orderhub.domain.alert import IncidentStatus
from orderhub.portal.context import PortalContext
from orderhub.store import alert_incidents as incident_store
from orderhub.store import integrations as integration_store

__all__ = ["alert_routes"]

_RECENT = 50


def alert_routes(ctx: PortalContext) -> list[Route]:
    hub = ctx.hub

    async def alerts(request: Request) -> Response:
        with hub.db.read_session() as session:
            open_now = incident_store.list_incidents(session, status=IncidentStatus.OPEN)
            cleared = incident_store.list_incidents(
                session, status=IncidentStatus.CLEARED, limit=_RECENT
            )
            names = {i.integration_id: i.name for i in integration_store.list_integrations(session)}
        settings = hub.settings.alerts
        destinations = []
        if settings.email_to:
            destinations.append(f"e-mail to {', '.join(settings.email_to)}")
        if settings.webhook_url:
            # The host only: the path may carry a receiver's own secret.
            destinations.append(f"a signed webhook to {httpx.URL(settings.webhook_url).host}")
        return ctx.render(
            request,
            "alerts.html",
            {
                "open_now": open_now,
                "cleared": cleared,
                "names": names,
                "destinations": destinations,
                "limits": settings,
            },
        )

    return [ctx.route("/alerts", alerts)]
