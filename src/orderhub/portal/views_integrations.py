"""Integrations: the list, the Add Integration wizard (Pipe17's guide, step by step), one page each.

The wizard follows the guide: Add Integration → Cart.com → Connection Flow Settings (six
toggles, off) → Next → API URL and API Key (with the guide's help) → Connect. Connect runs the
connection test before anything is saved; a store that refuses the key or cannot be reached
leaves nothing behind (the form comes back with the reason next to the field and the URL as
typed, never the key), a connected one is created with the test's per-permission results,
which its page shows until the next test. Replacing the key tests the new one first: one that
does not connect is not saved, and the key in use stays.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from orderhub.connectors.base import Connector, InvalidStoreUrl
from orderhub.connectors.registry import UnknownConnector
from orderhub.domain import ConnectionReport, ExceptionStatus, FlowName, IntegrationStatus
from orderhub.errors import HubError, NotFoundError
from orderhub.portal.context import PortalContext, form_of
from orderhub.portal.views_verify import verify_panel
from orderhub.services.integrations import (
    CONNECTION_REPORT_SETTING,
    ConnectionFailed,
    add_integration,
    disable_flow,
    disable_integration,
    enable_flow,
    keep_connection_report,
    remove_integration,
    replace_api_key,
    retest_integration,
)
from orderhub.services.verification import verifiable_flows
from orderhub.services.webhook_view import webhook_views
from orderhub.store import exceptions as exception_store
from orderhub.store import integrations as integration_store
from orderhub.store import runs as run_store

__all__ = ["FLOW_GROUPS", "integration_routes"]


FLOW_GROUPS: tuple[tuple[str, tuple[tuple[FlowName, str], ...]], ...] = (
    (
        "Orders",
        (
            (
                FlowName.ORDERS_PULL,
                "Pulls order updates from Cart.com, starting from when the integration was "
                "enabled.",
            ),
        ),
    ),
    (
        "Products",
        (
            (
                FlowName.PRODUCTS_PULL,
                "Pulls product updates from Cart.com, starting from when the integration was "
                "enabled.",
            ),
            (
                FlowName.PRODUCTS_PUSH,
                "Pushes product catalog updates to Cart.com, starting from when the integration "
                "was enabled.",
            ),
        ),
    ),
    (
        "Inventory",
        (
            (
                FlowName.INVENTORY_PUSH,
                "Pushes inventory updates to Cart.com, starting from when the integration was "
                "enabled.",
            ),
        ),
    ),
    (
        "Fulfillments",
        (
            (
                FlowName.FULFILLMENTS_PUSH,
                "Pushes fulfillment updates to Cart.com, starting from when the integration was "
                "enabled.",
            ),
        ),
    ),
    (
        "Locations",
        (
            (
                FlowName.LOCATIONS_PULL,
                "Pulls location updates from Cart.com, starting from when the integration was "
                "enabled.",
            ),
        ),
    ),
)


_PUSH_FLOWS = frozenset(
    {FlowName.PRODUCTS_PUSH, FlowName.INVENTORY_PUSH, FlowName.FULFILLMENTS_PUSH}
)
"""Flows that run when the hub changes, not on a timer (their next run is a safety look)."""


def _permission_groups(connector: Connector) -> list[tuple[str, list[tuple[str, list[str]]]]]:
    """The store's permission words, grouped as its token page shows them (`Group: words`)."""
    groups: dict[str, list[tuple[str, list[str]]]] = {}
    for permission in connector.permissions():
        group, _, words = permission.label.partition(": ")
        flows = [flow.label for flow in permission.flows]
        groups.setdefault(group, []).append((words, flows))
    return list(groups.items())


def _stored_report(settings: dict[str, Any]) -> tuple[datetime | None, ConnectionReport | None]:
    stored = settings.get(CONNECTION_REPORT_SETTING)
    if not isinstance(stored, dict):
        return None, None
    try:
        return (
            datetime.fromisoformat(str(stored.get("at"))),
            ConnectionReport.model_validate(stored.get("report")),
        )
    except (ValueError, TypeError):
        return None, None


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError("Enter a date as YYYY-MM-DD, e.g. 2026-01-31") from None


def integration_routes(ctx: PortalContext) -> list[Route]:
    hub = ctx.hub

    def available(kind: str) -> frozenset[FlowName]:
        return hub.registry.available(kind)

    def chosen_connector(request: Request) -> Connector | None:
        try:
            return hub.connectors.find(request.path_params["connector"])
        except UnknownConnector:
            return None

    async def list_page(request: Request) -> Response:
        with hub.db.read_session() as session:
            integrations = integration_store.list_integrations(session)
        return ctx.render(request, "integrations/list.html", {"integrations": integrations})

    async def add_page(request: Request) -> Response:
        return ctx.render(request, "integrations/add.html")

    async def flow_settings_page(request: Request) -> Response:
        connector = chosen_connector(request)
        if connector is None:
            return ctx.not_found(request, "That connector")
        return ctx.render(
            request,
            "integrations/flow_settings.html",
            {"groups": FLOW_GROUPS, "available": available(connector.kind)},
        )

    def connect_form(
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

    async def connect_page(request: Request) -> Response:
        connector = chosen_connector(request)
        if connector is None:
            return ctx.not_found(request, "That connector")
        flows = chosen_flows(request.query_params.getlist("flow"))
        return connect_form(request, connector, flows=flows, values={}, errors={})

    async def connect(request: Request) -> Response:
        connector = chosen_connector(request)
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
                request, connector, flows=flows, values=values, errors=errors, status=400
            )
        try:
            result = await run_in_threadpool(
                add_integration,
                hub,
                api_url=values["api_url"],
                api_key=key,
                name=values["name"] or None,
                connector=connector.kind,
            )
        except ConnectionFailed as failed:
            # Nothing was saved: the merchant fixes the field and connects again.
            errors[failed.field] = failed.report.summary
            return connect_form(
                request, connector, flows=flows, values=values, errors=errors, status=400
            )
        except HubError as problem:
            errors["name"] = str(problem)  # the only input the connection test does not check
            return connect_form(
                request, connector, flows=flows, values=values, errors=errors, status=400
            )
        integration_id = result.integration.integration_id
        report = result.report
        keep_connection_report(hub, integration_id, report)
        switched = []
        for flow in flows:
            if flow in available(connector.kind):
                # A pull flow subscribes its webhooks: calls to the store, off the event loop.
                await run_in_threadpool(enable_flow, hub, integration_id, flow)
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

    def detail(
        request: Request,
        integration_id: str,
        *,
        errors: dict[str, str] | None = None,
        values: dict[str, str] | None = None,
        status: int = 200,
    ) -> Response:
        with hub.db.read_session() as session:
            integration = integration_store.get_integration(session, integration_id)
            if integration is None:
                return ctx.not_found(request, "That integration")
            connector = hub.connectors.of(integration)
            can_run = available(integration.connector)
            woken = connector.webhooks.watched_flows if connector.webhooks is not None else ()
            rows = []
            for setting in integration.flows:
                state = integration_store.get_flow_state(session, integration_id, setting.flow)
                last = run_store.list_runs(
                    session, integration_id=integration_id, flow=setting.flow, limit=1
                )
                rows.append(
                    {
                        "setting": setting,
                        "available": setting.flow in can_run,
                        "next_run_at": state.next_run_at if setting.enabled else None,
                        "pushes": setting.flow in _PUSH_FLOWS,
                        "woken": setting.flow in woken,
                        "since": state.start_from,
                        "last_run": last[0] if last else None,
                    }
                )
            open_exceptions = exception_store.list_exceptions(
                session, status=ExceptionStatus.OPEN, integration_id=integration_id, limit=1000
            )
            panel = verify_panel(
                session,
                integration,
                verifiable_flows(hub, integration),
                hub.settings.verify_every_hours,
            )
        tested_at, report = _stored_report(integration.settings)
        webhooks = webhook_views(hub, [integration])[integration_id]
        budget = connector.budget(hub.db, integration.api_url) if hub.shares_call_budgets else None
        return ctx.render(
            request,
            "integrations/detail.html",
            {
                "integration": integration,
                "connector": connector,
                "flows": rows,
                "report": report,
                "tested_at": tested_at,
                "open_exceptions": len(open_exceptions),
                "webhooks": webhooks,
                "budget": budget,
                "errors": errors or {},
                "values": values or {},
                "connected": integration.status is IntegrationStatus.CONNECTED,
                "today": hub.clock.now().date().isoformat(),
                "panel": panel,
            },
            status=status,
        )

    async def detail_page(request: Request) -> Response:
        return detail(request, request.path_params["integration_id"])

    def flow_of(request: Request) -> FlowName | None:
        try:
            return FlowName(request.path_params["flow"])
        except ValueError:
            return None

    async def switch_flow(request: Request) -> Response:
        integration_id = request.path_params["integration_id"]
        flow = flow_of(request)
        if flow is None:
            return ctx.not_found(request, "That flow")
        turn_on = form_of(request).get("enabled") == "on"
        try:
            if turn_on:
                await run_in_threadpool(enable_flow, hub, integration_id, flow)
                ctx.flash(request, f"{flow.label}: on.")
            else:
                await run_in_threadpool(disable_flow, hub, integration_id, flow)
                ctx.flash(
                    request, f"{flow.label}: off. Switching it on again resumes where it stopped."
                )
        except HubError as problem:
            ctx.flash(request, str(problem), "error")
        return ctx.redirect(f"/integrations/{integration_id}#flow-{flow.value}")

    def refuse_run(integration_id: str, flow: FlowName) -> str | None:
        with hub.db.read_session() as session:
            integration = integration_store.get_integration(session, integration_id)
        if integration is None:
            return "That integration no longer exists."
        if integration.status is not IntegrationStatus.CONNECTED:
            return "The integration is not connected: test the connection first."
        if flow not in available(integration.connector):
            return f"{flow.label} is not available yet in this version of OrderHub."
        setting = next(s for s in integration.flows if s.flow is flow)
        if not setting.enabled:
            return f"{flow.label} is off: switch it on first."
        return None

    def start_sync(request: Request, integration_id: str, flow: FlowName, title: str) -> Response:
        job = ctx.jobs.sync(
            integration_id, flow, title=title, back_url=f"/integrations/{integration_id}"
        )
        return ctx.redirect(f"/jobs/{job.job_id}")

    async def sync_now(request: Request) -> Response:
        integration_id = request.path_params["integration_id"]
        flow = flow_of(request)
        if flow is None:
            return ctx.not_found(request, "That flow")
        refusal = refuse_run(integration_id, flow)
        if refusal:
            ctx.flash(request, refusal, "error")
            return ctx.redirect(f"/integrations/{integration_id}#flow-{flow.value}")
        return start_sync(request, integration_id, flow, f"Sync now: {flow.label}")

    async def backfill(request: Request) -> Response:
        integration_id = request.path_params["integration_id"]
        flow = flow_of(request)
        if flow is None:
            return ctx.not_found(request, "That flow")
        key = f"since-{flow.value}"
        text = str(form_of(request).get(key, ""))
        try:
            day = _parse_day(text)
            if day > hub.clock.now().date():
                raise ValueError("The backfill date is in the future; pick today or earlier.")
        except ValueError as problem:
            return detail(
                request,
                integration_id,
                errors={key: str(problem)},
                values={key: text},
                status=400,
            )
        since = datetime.combine(day, time.min, tzinfo=UTC)
        try:
            await run_in_threadpool(enable_flow, hub, integration_id, flow, since=since)
        except HubError as problem:
            ctx.flash(request, str(problem), "error")
            return ctx.redirect(f"/integrations/{integration_id}#flow-{flow.value}")
        refusal = refuse_run(integration_id, flow)
        if refusal:
            ctx.flash(
                request,
                f"Backfill from {day} saved; it runs once {refusal[0].lower()}{refusal[1:]}",
                "warn",
            )
            return ctx.redirect(f"/integrations/{integration_id}#flow-{flow.value}")
        return start_sync(request, integration_id, flow, f"Backfill since {day}: {flow.label}")

    async def record_test(request: Request, integration_id: str) -> ConnectionReport:
        result = await run_in_threadpool(retest_integration, hub, integration_id)
        keep_connection_report(hub, integration_id, result.report)
        return result.report

    def report_flash(request: Request, report: ConnectionReport) -> None:
        if report.ok:
            ctx.flash(request, "Connection test passed: every permission is granted.")
        elif report.connected:
            ctx.flash(request, report.summary, "warn")
        else:
            ctx.flash(request, f"Connection test failed: {report.summary}", "error")

    async def test_connection(request: Request) -> Response:
        integration_id = request.path_params["integration_id"]
        try:
            report_flash(request, await record_test(request, integration_id))
        except HubError as problem:
            ctx.flash(request, str(problem), "error")
        return ctx.redirect(f"/integrations/{integration_id}#connection")

    async def replace_key(request: Request) -> Response:
        integration_id = request.path_params["integration_id"]
        key = str(form_of(request).get("api_key", "")).strip()
        if not key:
            return detail(
                request,
                integration_id,
                errors={"api_key": "Paste the new access token from the API Token Manager."},
                status=400,
            )
        try:
            result = await run_in_threadpool(replace_api_key, hub, integration_id, key)
        except NotFoundError:
            return ctx.not_found(request, "That integration")
        except ConnectionFailed as failed:
            return detail(
                request,
                integration_id,
                errors={
                    "api_key": "The new key was not saved; the current key is still in use. "
                    + failed.report.summary
                },
                status=400,
            )
        keep_connection_report(hub, integration_id, result.report)
        ctx.flash(request, "API key replaced.", "ok")
        report_flash(request, result.report)
        return ctx.redirect(f"/integrations/{integration_id}#connection")

    async def disable(request: Request) -> Response:
        integration_id = request.path_params["integration_id"]
        try:
            disable_integration(hub, integration_id)
        except NotFoundError:
            return ctx.not_found(request, "That integration")
        ctx.flash(
            request,
            "Integration disabled: no flow runs. Enabling it again starts from that moment; what "
            "changes in the store meanwhile is not brought in unless you backfill.",
            "info",
        )
        return ctx.redirect(f"/integrations/{integration_id}")

    async def remove(request: Request) -> Response:
        integration_id = request.path_params["integration_id"]
        if form_of(request).get("confirm") != "yes":
            return detail(
                request,
                integration_id,
                errors={"confirm": "Tick the box to confirm the removal."},
                status=400,
            )
        try:
            problem = await run_in_threadpool(remove_integration, hub, integration_id)
        except HubError:
            return ctx.not_found(request, "That integration")
        ctx.flash(request, "Integration removed. The records it brought stay in the hub.", "info")
        if problem:
            ctx.flash(request, problem, "warn")
        return ctx.redirect("/integrations")

    base = "/integrations/{integration_id:str}"
    post = ("POST",)
    return [
        ctx.route("/integrations", list_page),
        ctx.route("/integrations/add", add_page),
        ctx.route("/integrations/add/{connector:str}", flow_settings_page),
        ctx.route("/integrations/add/{connector:str}/connect", connect_page),
        ctx.route("/integrations/add/{connector:str}/connect", connect, methods=post),
        ctx.route(base, detail_page),
        ctx.route(base + "/flows/{flow:str}", switch_flow, methods=post),
        ctx.route(base + "/flows/{flow:str}/sync", sync_now, methods=post),
        ctx.route(base + "/flows/{flow:str}/backfill", backfill, methods=post),
        ctx.route(base + "/test", test_connection, methods=post),
        ctx.route(base + "/key", replace_key, methods=post),
        ctx.route(base + "/disable", disable, methods=post),
        ctx.route(base + "/remove", remove, methods=post),
    ]
