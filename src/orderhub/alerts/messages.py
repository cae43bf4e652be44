"""What an alert says: one subject line, a short plain-text body, and the JSON a webhook gets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orderhub.domain.alert import AlertIncident

__all__ = ["AlertMessage", "message_for", "test_message"]


@dataclass(frozen=True)
class AlertMessage:
    event: str
    """`opened`, `cleared` or `test`."""
    subject: str
    text: str
    payload: dict[str, Any]


def message_for(
    incident: AlertIncident, event: str, *, now: datetime, hub_url: str | None
) -> AlertMessage:
    """The message for an incident's opening or clearing."""
    if event == "opened":
        subject = f"[OrderHub] Problem: {incident.title}"
        lead = f"Since {incident.opened_at:%Y-%m-%d %H:%M} UTC: {incident.title}."
    else:
        subject = f"[OrderHub] Cleared: {incident.title}"
        cleared = incident.cleared_at or now
        lead = (
            f"Cleared at {cleared:%Y-%m-%d %H:%M} UTC (open since "
            f"{incident.opened_at:%Y-%m-%d %H:%M} UTC): {incident.title}."
        )
    lines = [lead]
    if incident.detail:
        lines += ["", incident.detail]
    lines += ["", f"Incident {incident.incident_id} ({incident.kind.value})."]
    if hub_url:
        lines.append(f"Hub: {hub_url}")
    lines.append("You get one message when a problem opens and one when it clears.")
    return AlertMessage(
        event=event,
        subject=subject,
        text="\n".join(lines) + "\n",
        payload={
            "event": event,
            "sentAt": now.isoformat(),
            "hub": hub_url,
            "incident": incident.to_wire(),
        },
    )


def test_message(*, now: datetime, hub_url: str | None) -> AlertMessage:
    """`orderhub alerts test`: proves a channel works; it is about no incident."""
    return AlertMessage(
        event="test",
        subject="[OrderHub] Test alert",
        text="This is a test of OrderHub's alerts: this channel works.\n"
        + (f"Hub: {hub_url}\n" if hub_url else ""),
        payload={"event": "test", "sentAt": now.isoformat(), "hub": hub_url, "incident": None},
    )
