"""`orderhub flows list|enable|disable`."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from orderhub.cli.app import flows_app
from orderhub.cli.context import open_hub, parse_flow
from orderhub.cli.output import console, err_console, print_json, print_table
from orderhub.errors import UsageError

if TYPE_CHECKING:
    from orderhub.domain import FlowName
    from orderhub.hub import Hub

__all__ = ["disable", "enable", "list_flows"]


@flows_app.command("list")
def list_flows(
    integration_id: Annotated[str, typer.Argument(help="Integration id.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show the six flows of an integration: on or off, since when, last run."""
    from orderhub.services.integrations import require_integration

    with open_hub() as hub, hub.db.read_session() as session:
        integration = require_integration(session, integration_id)
        available = hub.registry.available(integration.connector)
    flows = [f.model_copy(update={"available": f.flow in available}) for f in integration.flows]
    if as_json:
        print_json([f.to_wire() for f in flows])
        return
    print_table(
        f"Flows of {integration.name}",
        ["flow", "what it does", "state", "enabled since", "last run", "last error"],
        (
            [
                f.flow.value,
                f.flow.label,
                ("on" if f.enabled else "off") if f.available else "not available yet",
                f.enabled_at if f.enabled_at else None,
                f.last_run_at if f.last_run_at else None,
                f.last_error or "",
            ]
            for f in flows
        ),
    )


@flows_app.command("enable")
def enable(
    integration_id: Annotated[str, typer.Argument(help="Integration id.")],
    flow: Annotated[str, typer.Argument(help="orders.pull, products.pull, … (see `flows list`)")],
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Backfill: sync updates from this ISO time (e.g. 2025-01-01T00:00:00Z) "
            "instead of from when the integration was enabled.",
        ),
    ] = None,
) -> None:
    """Switch a flow on. It syncs updates made since the integration was enabled."""
    from orderhub.services.integrations import enable_flow

    name = parse_flow(flow)
    since_at = _parse_since(since) if since else None
    with open_hub() as hub:
        setting = enable_flow(hub, integration_id, name, since=since_at)
        start = (
            f"from {since_at.isoformat()} (backfill)"
            if since_at
            else "from when the integration was enabled"
        )
        console.print(f"{setting.flow.value} is on; it syncs updates {start}.")
        _print_webhooks(hub, integration_id, name)


@flows_app.command("disable")
def disable(
    integration_id: Annotated[str, typer.Argument(help="Integration id.")],
    flow: Annotated[str, typer.Argument(help="Flow name.")],
) -> None:
    """Switch a flow off. Switched on again, it resumes where it stopped."""
    from orderhub.services.integrations import disable_flow

    name = parse_flow(flow)
    with open_hub() as hub:
        disable_flow(hub, integration_id, name)
        console.print(f"{name.value} is off.")
        _print_webhooks(hub, integration_id, name)


def _print_webhooks(hub: Hub, integration_id: str, flow: FlowName) -> None:
    """What switching a pull flow did to the store's webhooks."""
    from orderhub.services.integrations import require_integration
    from orderhub.services.webhooks import POLLING_ONLY, last_check

    with hub.db.read_session() as session:
        integration = require_integration(session, integration_id)
    hooks = hub.connectors.of(integration).webhooks
    if hooks is None or flow not in hooks.watched_flows:
        return
    if hub.settings.public_url is None:
        console.print(POLLING_ONLY, markup=False)
        return
    check = last_check(hub, integration_id)
    if check is not None:
        (console if check.ok else err_console).print(check.message, markup=False)


def _parse_since(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"--since {text!r} is not an ISO 8601 time, e.g. 2025-01-01T00:00:00Z"
        ) from None
    if value.tzinfo is None:
        raise UsageError(f"--since {text!r} needs a timezone, e.g. a trailing Z for UTC")
    return value
