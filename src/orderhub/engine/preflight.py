"""Whether a flow may start at all, asked before anything is taken (no lease, no run row).

A run is refused (`RunRefused`) when its integration is gone, disabled or never connected,
when the flow is switched off (unless the caller runs it anyway: a retry of its exceptions), or
when this version has no code for it. Callers tell a refusal from a run that failed: a refused
run leaves nothing behind, so schedulers postpone or skip it instead of recording a failure.
"""

from __future__ import annotations

from orderhub.domain import FlowName, Integration, IntegrationStatus
from orderhub.engine.errors import (
    FlowDisabled,
    FlowNotAvailable,
    IntegrationNotConnected,
    IntegrationNotFound,
)
from orderhub.engine.registry import FlowFactory, FlowRegistry
from orderhub.store import integrations as store_integrations
from orderhub.store.database import Database

__all__ = ["check_runnable"]


def check_runnable(
    db: Database,
    registry: FlowRegistry,
    integration_id: str,
    flow: FlowName,
    *,
    require_enabled: bool,
) -> FlowFactory:
    """The factory of `flow` for `integration_id`, or the `RunRefused` that says why not."""
    with db.read_session() as session:
        integration = store_integrations.get_integration(session, integration_id)
        if integration is None:
            raise IntegrationNotFound(f"No integration with id {integration_id!r}")
    _require_connected(integration)
    if require_enabled and not any(
        setting.flow == flow and setting.enabled for setting in integration.flows
    ):
        raise FlowDisabled(
            f"{flow.value} is off for integration {integration_id}; "
            f"enable it with `orderhub flows enable {integration_id} {flow.value}`"
        )
    factory = registry.factory(integration.connector, flow)
    if factory is None:
        raise FlowNotAvailable(f"{flow.value} is not available yet in this version of OrderHub")
    return factory


def _require_connected(integration: Integration) -> None:
    if integration.status is IntegrationStatus.DISABLED:
        raise IntegrationNotConnected(
            f"Integration {integration.integration_id} is disabled; enable it to run its flows"
        )
    if integration.enabled_at is None:
        raise IntegrationNotConnected(
            f"Integration {integration.integration_id} has never connected; "
            f"run `orderhub integrations test {integration.integration_id}`"
        )
