"""The Add Integration wizard: connector → flow settings → API URL and key → Connect.

Connect runs the connection test before anything is saved; a store that refuses the key or
cannot be reached leaves nothing behind (the form comes back with the reason next to the field
and the URL as typed, never the key).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from orderhub.connectors.base import Connector, InvalidStoreUrl
from orderhub.connectors.registry import UnknownConnector
from orderhub.domain import FlowName
from orderhub.errors import HubError
from orderhub.portal.context import PortalContext, form_of
from orderhub.portal.views_integration_page import available
from orderhub.services.integrations import (
    ConnectionFailed,
    add_integration,
    enable_flow,
    keep_connection_report,
)

__all__ = ["FLOW_GROUPS", "add_page", "connect", "connect_page", "flow_settings_page"]


FLOW_GROUPS: tuple[tuple[str, tuple[tuple[FlowName, str], ...]], ...] = (
    # `{store}`: the connector's display name.
    (
        "Orders",
        (
            (
                FlowName.ORDERS_PULL,
                "Pulls order updates from {store}, starting from when the integration was enabled.",
            ),
        ),
    ),
    (
        "Products",
        (
            (
                FlowName.PRODUCTS_PULL,
                "Pulls product updates from {store}, starting from when the integration was "
                "enabled.",
            ),
            (
                FlowName.PRODUCTS_PUSH,
                "Pushes product catalog updates to {store}, starting from when the integration "
                "was enabled.",
            ),
        ),
    ),
    (
        "Inventory",
        (
            (
                FlowName.INVENTORY_PUSH,
                "Pushes inventory updates to {store}, starting from when the integration was "
                "enabled.",
            ),
        ),
    ),
    (
        "Fulfillments",
        (
            (
                FlowName.FULFILLMENTS_PUSH,
                "Pushes fulfillment updates to {store}, starting from when the integration was "
                "enabled.",
            ),
        ),
    ),
    (
        "Locations",
        (
            (
                FlowName.LOCATIONS_PULL,
                "Pulls location updates from {store}, starting from when the integration was "
                "enabled.",
            ),
        ),
    ),
)


def _permission_groups(connector: Connector) -> list[tuple[str, list[tuple[str, list[str]]]]]:
    """The store's permission words, grouped as its token page shows them (`Group: words`)."""
    groups: dict[str, list[tuple[str, list[str]]]] = {}
    for permission in connector.permissions():
        group, _, words = permission.label.partition(": ")
        flows = [flow.label for flow in permission.flows]
        groups.setdefault(group, []).append((words, flows))
    return list(groups.items())


def _flow_groups(connector: Connector) -> list[tuple[str, list[tuple[FlowName, str]]]]:
    """`FLOW_GROUPS` in the words of `connector`'s store."""
    return [
        (group, [(flow, text.format(store=connector.display_name)) for flow, text in flows])
        for group, flows in FLOW_GROUPS
    ]


def chosen_connector(ctx: PortalContext, request: Request) -> Connector | None:
    try:
        return ctx.hub.connectors.find(request.path_params["connector"])
    except UnknownConnector:
        return None


async def add_page(ctx: PortalContext, request: Request) -> Response:
    return ctx.render(request, "integrations/add.html", {"connectors": list(ctx.hub.connectors)})


async def flow_settings_page(ctx: PortalContext, request: Request) -> Response:
    connector = chosen_connector(ctx, request)
    if connector is None:
        return ctx.not_found(request, "That connector")
    return ctx.render(
        request,
        "integrations/flow_settings.html",
        {
            "groups": _flow_groups(connector),
            "available": available(ctx, connector.kind),
            "connector": connector,
        },
    )


def connect_form(
    ctx: PortalContext,
    request: Request,
    connector: Connector,
    *,
    flows: list[FlowName],
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    return ctx.render(
        request,
        "integrations/connect.html",
        {
            "flows": flows,
            "values": values,
            "errors": errors,
            "permission_groups": _permission_groups(connector),
            "connector": connector,
        },
        status=status,
    )


def chosen_flows(values: list[str]) -> list[FlowName]:
    known = {flow.value: flow for flow in FlowName}
    return [known[value] for value in values if value in known]


async def connect_page(ctx: PortalContext, request: Request) -> Response:
    connector = chosen_connector(ctx, request)
    if connector is None:
        return ctx.not_found(request, "That connector")
    flows = chosen_flows(request.query_params.getlist("flow"))
    return connect_form(ctx, request, connector, flows=flows, values={}, errors={})


async def connect(ctx: PortalContext, request: Request) -> Response:
    connector = chosen_connector(ctx, request)
    if connector is None:
        return ctx.not_found(request, "That connector")
    form = form_of(request)
    flows = chosen_flows([str(v) for v in form.getlist("flow")])
    values = {
        "api_url": str(form.get("api_url", "")).strip(),
        "api_key": str(form.get("api_key", "")).strip(),
        "name": str(form.get("name", "")).strip(),
    }
    errors: dict[str, str] = {}
    try:
        connector.normalize_url(values["api_url"])
    except InvalidStoreUrl as problem:
        errors["api_url"] = str(problem)
    if not values["api_key"]:
        errors["api_key"] = f"Paste {connector.key_help}."
    if len(values["name"]) > 200:
        errors["name"] = "Keep the name under 200 characters."
    key = values.pop("api_key")  # a key is never sent back to the page
    if errors:
        return connect_form(
            ctx, request, connector, flows=flows, values=values, errors=errors, status=400
        )
    try:
        result = await run_in_threadpool(
            add_integration,
            ctx.hub,
            api_url=values["api_url"],
            api_key=key,
            name=values["name"] or None,
            connector=connector.kind,
        )
    except ConnectionFailed as failed:
        # Nothing was saved: the merchant fixes the field and connects again.
        errors[failed.field] = failed.report.summary
        return connect_form(
            ctx, request, connector, flows=flows, values=values, errors=errors, status=400
        )
    except HubError as problem:
        errors["name"] = str(problem)  # the only input the connection test does not check
        return connect_form(
            ctx, request, connector, flows=flows, values=values, errors=errors, status=400
        )
    integration_id = result.integration.integration_id
    report = result.report
    keep_connection_report(ctx.hub, integration_id, report)
    switched = []
    for flow in flows:
        if flow in available(ctx, connector.kind):
            # A pull flow subscribes its webhooks: calls to the store, off the event loop.
            await run_in_threadpool(enable_flow, ctx.hub, integration_id, flow)
            switched.append(flow.label)
    message = (
        f"Connected to {connector.display_name}."
        if report.ok
        else f"Connected, with a warning: {report.summary}"
    )
    if switched:
        message += " Switched on: " + ", ".join(switched) + "."
    else:
        message += " Every flow is off: switch on the ones you want below."
    ctx.flash(request, message, "ok" if report.ok else "warn")
    return ctx.redirect(f"/integrations/{integration_id}")
