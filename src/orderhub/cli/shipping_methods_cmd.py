"""`orderhub integrations shipping-methods ID` · `… set ID` · `… remove ID`: which of the store's
shipping methods a carrier (and service) becomes when fulfillments.push ships it."""

from __future__ import annotations

from typing import Annotated

import typer

from orderhub.cli.app import command_group, integrations_app
from orderhub.cli.context import open_hub
from orderhub.cli.output import console, print_json, print_table, shown

__all__ = ["list_mappings", "remove", "set_mapping"]

shipping_methods_app = command_group("Map carriers (and services) to the store's shipping methods.")
integrations_app.add_typer(shipping_methods_app, name="shipping-methods")

IntegrationArg = Annotated[str, typer.Argument(help="The integration id.")]
CarrierOption = Annotated[
    str, typer.Option("--carrier", help="The carrier as the hub's fulfillments name it, e.g. UPS.")
]
ServiceOption = Annotated[
    str | None,
    typer.Option("--service", help="The carrier's service, e.g. Ground (none: every service)."),
]


@shipping_methods_app.command("list")
def list_mappings(
    integration_id: IntegrationArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """The integration's mappings (carriers the store's methods do not name alike)."""
    from orderhub.services.shipping_methods import list_shipping_methods

    with open_hub() as hub:
        mappings = list_shipping_methods(hub, integration_id)
    if as_json:
        print_json([m.to_wire() for m in mappings])
        return
    print_table(
        "Shipping method mappings",
        ["carrier", "service", "store method"],
        ([m.carrier, m.service or "(any)", m.method] for m in mappings),
    )


@shipping_methods_app.command("set")
def set_mapping(
    integration_id: IntegrationArg,
    carrier: CarrierOption,
    method: Annotated[
        str, typer.Option("--method", help="The store's shipping method name, e.g. UPS Ground.")
    ],
    service: ServiceOption = None,
) -> None:
    """Ship `--carrier` (and `--service`) as the store's method `--method`."""
    from orderhub.services.shipping_methods import set_shipping_method

    with open_hub() as hub:
        saved = set_shipping_method(
            hub, integration_id, carrier=carrier, service=service, method=method
        )
    console.print(
        shown(
            f"{saved.carrier} {saved.service or '(any service)'} -> {saved.method}. "
            "Fulfillments that failed for want of it: `orderhub exceptions retry --all`."
        )
    )


@shipping_methods_app.command("remove")
def remove(
    integration_id: IntegrationArg, carrier: CarrierOption, service: ServiceOption = None
) -> None:
    """Drop the mapping of `--carrier` (and `--service`)."""
    from orderhub.services.shipping_methods import remove_shipping_method

    with open_hub() as hub:
        remove_shipping_method(hub, integration_id, carrier=carrier, service=service)
    console.print(shown(f"Removed the mapping for {carrier} {service or '(any service)'}"))
