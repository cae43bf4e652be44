"""`orderhub integrations add|list|test|remove`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from orderhub.cli.app import integrations_app
from orderhub.cli.context import open_hub
from orderhub.cli.output import console, err_console, print_json, print_table, shown

if TYPE_CHECKING:
    from orderhub.domain import ConnectionReport, Integration

__all__ = ["add", "list_connectors", "list_integrations", "remove", "retest"]

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@integrations_app.command("add")
def add(
    connector: Annotated[
        str, typer.Argument(help="The connector, by name (`integrations connectors` lists them).")
    ],
    api_url: Annotated[str, typer.Option("--api-url", help="Your store's URL.")],
    api_key: Annotated[
        str, typer.Option("--api-key", help="The store's API token (its steps: README).")
    ],
    name: Annotated[str | None, typer.Option("--name", help="A name for this integration.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Test the connection to a store, then create its integration (all flows off).

    A store that cannot be reached or refuses the key is one error line, and nothing is created.
    """
    from orderhub.services.integrations import add_integration

    with open_hub() as hub:
        kind = hub.connectors.find(connector).kind
        result = add_integration(hub, api_url=api_url, api_key=api_key, name=name, connector=kind)
    integration, report = result.integration, result.report
    if as_json:
        print_json({"integrationId": integration.integration_id, "connection": report.to_wire()})
        return
    console.print(shown(f"Integration {integration.integration_id} ({integration.name})"))
    _print_report(report)
    console.print(
        "Flows are off. Switch them on with "
        f"`orderhub flows enable {integration.integration_id} orders.pull`."
    )


@integrations_app.command("connectors")
def list_connectors(as_json: JsonOption = False) -> None:
    """List the connectors this hub can add integrations of."""
    from orderhub.hub import default_connectors

    found = [
        {"connector": c.kind, "name": c.display_name, "urlExample": c.url_example}
        for c in default_connectors()
    ]
    if as_json:
        print_json(found)
        return
    print_table(
        "Connectors",
        ["connector", "name", "store URL, e.g."],
        ([c["connector"], c["name"], c["urlExample"]] for c in found),
    )


@integrations_app.command("list")
def list_integrations(as_json: JsonOption = False) -> None:
    """List integrations with their status."""
    from orderhub.store import integrations as store

    with open_hub() as hub, hub.db.read_session() as session:
        items = store.list_integrations(session)
    if as_json:
        print_json([i.to_wire() for i in items])
        return
    print_table(
        "Integrations",
        ["id", "name", "connector", "status", "API URL", "enabled since", "flows on"],
        (
            [
                i.integration_id,
                i.name,
                i.connector,
                _status_label(i),
                i.api_url,
                i.enabled_at if i.enabled_at else None,
                ", ".join(f.flow.value for f in i.flows if f.enabled) or "none",
            ]
            for i in items
        ),
    )


@integrations_app.command("test")
def retest(
    integration_id: Annotated[str, typer.Argument(help="Integration id.")],
    as_json: JsonOption = False,
) -> None:
    """Test the connection again and show which permissions are missing."""
    from orderhub.services.integrations import retest_integration

    with open_hub() as hub:
        result = retest_integration(hub, integration_id)
    if as_json:
        print_json(result.report.to_wire())
    else:
        _print_report(result.report)
    if not result.report.connected:
        raise typer.Exit(1)


@integrations_app.command("remove")
def remove(integration_id: Annotated[str, typer.Argument(help="Integration id.")]) -> None:
    """Remove an integration, its flows and its webhooks in the store (records stay in the hub)."""
    from orderhub.services.integrations import remove_integration

    with open_hub() as hub:
        problem = remove_integration(hub, integration_id)
    console.print(shown(f"Removed integration {integration_id}."))
    if problem:
        err_console.print(shown(problem))


def _print_report(report: ConnectionReport) -> None:
    out = console if report.connected else err_console
    out.print(shown(report.summary))
    for check in report.checks:
        mark = "[green]✓[/]" if check.ok else "[red]✗[/]"
        console.print(f"  {mark} ", end="")
        console.print(shown(check.message))
    hooks = report.webhooks
    if hooks is not None:
        mark = "[green]✓[/]" if hooks.ok else "[yellow]![/]"
        console.print(f"  {mark} ", end="")
        console.print(shown(hooks.message))
        if hooks.url:
            console.print(shown(f"    Delivery URL: {hooks.url}"))
        for stale in hooks.foreign:
            console.print(shown(f"    Foreign (deleted): {stale}"))


def _status_label(integration: Integration) -> str:
    labels = {
        "connected": "Connected",
        "error": "Error",
        "notConfigured": "Not configured",
        "disabled": "Disabled",
    }
    label = labels.get(integration.status.value, integration.status.value)
    if integration.status_message and integration.status.value == "error":
        label += f": {integration.status_message}"
    return label
