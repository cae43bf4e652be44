"""The integration page's Completeness panel: the last verification of each pull flow, and
"Verify now", which runs a verification as a background job (like "Sync now") and shows what
it found on the job page.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from orderhub.domain import FlowName, Integration, IntegrationStatus, Verification
from orderhub.portal.context import PortalContext
from orderhub.services.verification import verifiable_flows
from orderhub.store import integrations as integration_store
from orderhub.store import verifications as verification_store

__all__ = ["VerifyPanel", "verify_panel", "verify_routes"]

GAPS_SHOWN = 5
"""Gap lines shown per flow on the integration page; the job page and the API show more."""


@dataclass(frozen=True)
class VerifyPanel:
    flows: list[tuple[FlowName, Verification | None]]
    """Each pull flow that is on, with its latest verification (None: never verified)."""
    can_verify: bool
    every_hours: float
    gaps_shown: int = GAPS_SHOWN

    @property
    def every_text(self) -> str:
        """`24`, `0.5`: the schedule as a person writes it."""
        return f"{self.every_hours:g}"


def verify_panel(
    session: Session,
    integration: Integration,
    flows: list[FlowName],
    every_hours: float,
) -> VerifyPanel:
    """`flows`: the ones that can be verified (`services.verification.verifiable_flows`)."""
    latest = verification_store.latest_per_flow(session, integration.integration_id)
    return VerifyPanel(
        flows=[(flow, latest.get(flow)) for flow in flows],
        can_verify=bool(flows) and integration.status is IntegrationStatus.CONNECTED,
        every_hours=every_hours,
    )


def verify_routes(ctx: PortalContext) -> list[Route]:
    hub = ctx.hub

    async def verify_now(request: Request) -> Response:
        integration_id = request.path_params["integration_id"]
        back = f"/integrations/{integration_id}#completeness"
        with hub.db.read_session() as session:
            integration = integration_store.get_integration(session, integration_id)
        if integration is None:
            return ctx.not_found(request, "That integration")
        if integration.status is not IntegrationStatus.CONNECTED:
            ctx.flash(
                request, "The integration is not connected: test the connection first.", "error"
            )
            return ctx.redirect(back)
        if not verifiable_flows(hub, integration):
            ctx.flash(request, "No pull flow is on: there is nothing to verify.", "error")
            return ctx.redirect(back)
        job = ctx.jobs.verify(integration_id, title=f"Verify {integration.name}", back_url=back)
        return ctx.redirect(f"/jobs/{job.job_id}")

    return [
        ctx.route("/integrations/{integration_id:str}/verify", verify_now, methods=("POST",)),
    ]
