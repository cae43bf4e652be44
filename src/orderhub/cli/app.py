"""The Typer application object and its sub-command groups."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer

from orderhub.cli.errors import explain
from orderhub.cli.help import HelpGroup
from orderhub.cli.output import err_console, shown

__all__ = [
    "alerts_app",
    "app",
    "command_group",
    "db_app",
    "exceptions_app",
    "flows_app",
    "fulfillments_app",
    "integrations_app",
    "inventory_app",
    "locations_app",
    "orders_app",
    "products_app",
    "runs_app",
]


class _OneLineErrors(HelpGroup):
    """Every error a command raises ends as one line on stderr and exit code 1.

    Here rather than around `app()` in `main`, so a command run in-process (Typer's
    `CliRunner`, as the tests do) fails exactly as the console script does.
    """

    def invoke(self, ctx: Any) -> Any:  # Any: Typer's Context class is private (typer._click)
        try:
            return super().invoke(ctx)
        except (typer.TyperException, typer.Exit, typer.Abort):
            raise  # Typer's own: usage errors, `typer.Exit(code)`, Ctrl-C at a prompt
        except Exception as error:
            if os.environ.get("ORDERHUB_DEBUG"):
                raise
            err_console.print(shown("Error: ", explain(error)), soft_wrap=True)  # one line
            raise typer.Exit(1) from None


app = typer.Typer(
    name="orderhub",
    cls=_OneLineErrors,
    help="OrderHub: connect your stores to an order-operations hub.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def command_group(help: str) -> typer.Typer:
    """A sub-command group (`orderhub integrations …`); without a command, its help."""
    return typer.Typer(help=help, no_args_is_help=True, cls=HelpGroup)


integrations_app = command_group("Add, test and remove store integrations.")
flows_app = command_group("Switch an integration's six flows on and off.")
orders_app = command_group("Orders held by the hub.")
products_app = command_group("Products (SKUs) held by the hub.")
inventory_app = command_group("Inventory per SKU and location.")
locations_app = command_group("Locations: warehouses and stores.")
fulfillments_app = command_group("Fulfillments of orders.")
runs_app = command_group("Flow run history.")
exceptions_app = command_group("Per-record sync exceptions, and retrying them.")
db_app = command_group("The hub's database.")
alerts_app = command_group("Alert incidents, and a test message to the alert channels.")


def _print_version(wanted: bool) -> None:
    if wanted:
        from importlib.metadata import version

        typer.echo(f"orderhub {version('orderhub')}")
        raise typer.Exit()


@app.callback()
def _root(
    _version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """OrderHub: connect your stores to an order-operations hub."""


app.add_typer(integrations_app, name="integrations")
app.add_typer(flows_app, name="flows")
app.add_typer(orders_app, name="orders")
app.add_typer(products_app, name="products")
app.add_typer(inventory_app, name="inventory")
app.add_typer(locations_app, name="locations")
app.add_typer(fulfillments_app, name="fulfillments")
app.add_typer(runs_app, name="runs")
app.add_typer(exceptions_app, name="exceptions")
app.add_typer(db_app, name="db")
app.add_typer(alerts_app, name="alerts")
