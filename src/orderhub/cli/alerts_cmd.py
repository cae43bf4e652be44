"""`orderhub alerts list|check|test`: the incidents, a look now, and a test message."""

from __future__ import annotations

from typing import Annotated

import typer

from orderhub.cli.app import alerts_app
from orderhub.cli.context import open_hub
from orderhub.cli.output import console, err_console, print_json, print_table, shown

__all__ = ["check_alerts", "list_alerts", "test_alerts"]


@alerts_app.command("list")
def list_alerts(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    open_only: Annotated[bool, typer.Option("--open", help="Only incidents still open.")] = False,
    limit: Annotated[int, typer.Option("--limit")] = 50,
) -> None:
    """Alert incidents, newest first: what opened, when it cleared, who was told."""
    from orderhub.domain.alert import IncidentStatus
    from orderhub.store import alert_incidents as incident_store

    with open_hub() as hub, hub.db.read_session() as session:
        items = incident_store.list_incidents(
            session, status=IncidentStatus.OPEN if open_only else None, limit=limit
        )
    if as_json:
        print_json([item.to_wire() for item in items])
        return
    print_table(
        "Alert incidents",
        ["incident", "status", "kind", "title", "opened", "cleared", "told", "delivery error"],
        (
            [
                item.incident_id,
                item.status.value,
                item.kind.value,
                item.title,
                item.opened_at,
                item.cleared_at or "",
                ", ".join(item.notified) or "nobody",
                item.delivery_error or "",
            ]
            for item in items
        ),
    )


@alerts_app.command("check")
def check_alerts() -> None:
    """Look for problems now (the scheduler or a worker does it every minute) and send
    what is owed."""
    from orderhub.alerts import alert_monitor

    with open_hub() as hub:
        outcome = alert_monitor(hub).look()
    if outcome.skipped:
        console.print("Another process is looking right now; nothing done.")
        return
    for key in outcome.opened:
        console.print(shown("Opened: ", key))
    for key in outcome.cleared:
        console.print(shown("Cleared: ", key))
    for line in outcome.sent:
        console.print(shown("Sent: ", line))
    for line in outcome.failed:
        err_console.print(shown("Not sent: ", line))
    if not (outcome.opened or outcome.cleared or outcome.sent or outcome.failed):
        console.print("Nothing new.")
    if outcome.failed:
        raise typer.Exit(1)


@alerts_app.command("test")
def test_alerts() -> None:
    """Send a test message through every configured channel (e-mail, webhook)."""
    from orderhub.alerts.channels import DeliveryFailed, channels_for
    from orderhub.alerts.messages import test_message
    from orderhub.errors import UsageError
    from orderhub.settings import Settings

    settings = Settings.from_env()  # no database needed to test a channel
    channels = channels_for(settings.alerts)
    if not channels:
        raise UsageError(
            "No alert channel is configured: set ORDERHUB_ALERT_EMAIL_TO (and ORDERHUB_SMTP_*) "
            "or ORDERHUB_ALERT_WEBHOOK_URL and ORDERHUB_ALERT_WEBHOOK_SECRET"
        )
    from orderhub.clock import SystemClock

    message = test_message(now=SystemClock().now(), hub_url=settings.public_url)
    failed = False
    for channel in channels:
        try:
            channel.send(message)
        except DeliveryFailed as problem:
            failed = True
            err_console.print(shown(f"{channel.name}: not sent: ", problem))
        else:
            console.print(shown(f"{channel.name}: sent"))
    if failed:
        raise typer.Exit(1)
