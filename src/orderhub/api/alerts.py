"""Alert incidents: what the hub noticed and told someone about (read-only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from starlette.responses import JSONResponse

from orderhub.api.envelopes import error_responses, list_envelope, many
from orderhub.api.params import Page, page_params
from orderhub.api.state import ApiState
from orderhub.domain.alert import AlertIncident, IncidentStatus
from orderhub.store import alert_incidents as incident_store

__all__ = ["alerts_router"]


def alerts_router(state: ApiState, read: Callable[..., Any]) -> APIRouter:
    router = APIRouter()
    hub = state.hub

    @router.get(
        "/alerts",
        summary="Alert incidents, newest first",
        description="A flow that keeps failing, exceptions piling up, a broken connection or "
        "webhooks that stopped: open until the problem is gone, with the channels that told "
        "someone.",
        tags=["alerts"],
        dependencies=[Depends(read)],
        response_model=list_envelope("alerts", AlertIncident, title="AlertIncidentList"),
        responses=error_responses(400, 401, 403),
    )
    def list_alerts(
        page: Annotated[Page, Depends(page_params)],
        status: Annotated[
            IncidentStatus | None, Query(description="open or cleared (default: both).")
        ] = None,
    ) -> JSONResponse:
        with hub.db.read_session() as session:
            items = incident_store.list_incidents(
                session, status=status, limit=page.count, skip=page.skip
            )
            total = incident_store.count_incidents(session, status=status)
        values = [item.to_wire() for item in items]
        return many("alerts", values, skip=page.skip, count=page.count, total=total)

    return router
