"""Alert incidents: a problem the hub noticed, from when it opened until it cleared."""

from __future__ import annotations

from enum import StrEnum

from orderhub.domain.base import HubModel, UtcDatetime

__all__ = ["AlertIncident", "AlertKind", "IncidentStatus"]


class AlertKind(StrEnum):
    FLOW_FAILING = "flowFailing"
    """A flow's last runs all failed, or it has failed for longer than allowed."""
    EXCEPTIONS_PILING_UP = "exceptionsPilingUp"
    """An integration holds more open exceptions than allowed."""
    CONNECTION_BROKEN = "connectionBroken"
    """The store refuses the hub's token or a permission it needs."""
    WEBHOOKS_BROKEN = "webhooksBroken"
    """Polls keep finding changes no webhook announced."""


class IncidentStatus(StrEnum):
    OPEN = "open"
    CLEARED = "cleared"


class AlertIncident(HubModel):
    incident_id: str
    kind: AlertKind
    key: str
    integration: str | None = None
    flow: str | None = None
    status: IncidentStatus
    title: str
    detail: str | None = None
    opened_at: UtcDatetime
    cleared_at: UtcDatetime | None = None
    notified: list[str] = []
    """Channels that delivered the opening message (and, once cleared, also the clearing)."""
    delivery_error: str | None = None
