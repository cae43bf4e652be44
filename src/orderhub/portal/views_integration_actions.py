"""What the integration page's buttons do: switch, sync, backfill, test, re-key, disable, remove.

Replacing the key tests the new one first: one that does not connect is not saved, and the key
in use stays.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from orderhub.domain import ConnectionReport, FlowName, IntegrationStatus
from orderhub.errors import HubError, NotFoundError
from orderhub.portal.context import PortalContext, form_of
from orderhub.portal.views_integration_page import available, detail
from orderhub.services.integrations import (
    ConnectionFailed,
    disable_flow,
    disable_integration,
    enable_flow,
    keep_connection_report,
    remove_integration,
    replace_api_key,
    retest_integration,
)
from orderhub.store import integrations as integration_store

__all__ = [
    "backfill",
    "disable",
    "remove",
    "replace_key",
    "switch_flow",
    "sync_now",
    "test_connection",
]


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError("Enter a date as YYYY-MM-DD, e.g. 2026-01-31") from None


def flow_of(request: Request) -> FlowName | None:
    try:
        return FlowName(request.path_params["flow"])
    except ValueError:
        return None


async def switch_flow(ctx: PortalContext, request: Request) -> Response:
    integration_id = request.path_params["integration_id"]
    flow = flow_of(request)
    if flow is None:
        return ctx.not_found(request, "That flow")
    turn_on = form_of(request).get("enabled") == "on"
    try:
        if turn_on:
            await run_in_threadpool(enable_flow, ctx.hub, integration_id, flow)
            ctx.flash(request, f"{flow.label}: on.")
        else:
            await run_in_threadpool(disable_flow, ctx.hub, integration_id, flow)
            ctx.flash(
                request, f"{flow.label}: off. Switching it on again resumes where it stopped."
            )
    except HubError as problem:
        ctx.flash(request, str(problem), "error")
    return ctx.redirect(f"/integrations/{integration_id}#flow-{flow.value}")


def refuse_run(ctx: PortalContext, integration_id: str, flow: FlowName) -> str | None:
    with ctx.hub.db.read_session() as session:
        integration = integration_store.get_integration(session, integration_id)
    if integration is None:
        return "That integration no longer exists."
    if integration.status is not IntegrationStatus.CONNECTED:
        return "The integration is not connected: test the connection first."
    if flow not in available(ctx, integration.connector):
        return f"{flow.label} is not available yet in this version of OrderHub."
    setting = next(s for s in integration.flows if s.flow is flow)
    if not setting.enabled:
        return f"{flow.label} is off: switch it on first."
    return None


def start_sync(
    ctx: PortalContext, request: Request, integration_id: str, flow: FlowName, title: str
) -> Response:
    job = ctx.jobs.sync(
        integration_id, flow, title=title, back_url=f"/integrations/{integration_id}"
    )
    return ctx.redirect(f"/jobs/{job.job_id}")


async def sync_now(ctx: PortalContext, request: Request) -> Response:
    integration_id = request.path_params["integration_id"]
    flow = flow_of(request)
    if flow is None:
        return ctx.not_found(request, "That flow")
    refusal = refuse_run(ctx, integration_id, flow)
    if refusal:
        ctx.flash(request, refusal, "error")
        return ctx.redirect(f"/integrations/{integration_id}#flow-{flow.value}")
    return start_sync(ctx, request, integration_id, flow, f"Sync now: {flow.label}")


async def backfill(ctx: PortalContext, request: Request) -> Response:
    integration_id = request.path_params["integration_id"]
    flow = flow_of(request)
    if flow is None:
        return ctx.not_found(request, "That flow")
    key = f"since-{flow.value}"
    text = str(form_of(request).get(key, ""))
    try:
        day = _parse_day(text)
        if day > ctx.hub.clock.now().date():
            raise ValueError("The backfill date is in the future; pick today or earlier.")
    except ValueError as problem:
        return detail(
            ctx,
            request,
            integration_id,
            errors={key: str(problem)},
            values={key: text},
            status=400,
        )
    since = datetime.combine(day, time.min, tzinfo=UTC)
    try:
        await run_in_threadpool(enable_flow, ctx.hub, integration_id, flow, since=since)
    except HubError as problem:
        ctx.flash(request, str(problem), "error")
        return ctx.redirect(f"/integrations/{integration_id}#flow-{flow.value}")
    refusal = refuse_run(ctx, integration_id, flow)
    if refusal:
        ctx.flash(
            request,
            f"Backfill from {day} saved; it runs once {refusal[0].lower()}{refusal[1:]}",
            "warn",
        )
        return ctx.redirect(f"/integrations/{integration_id}#flow-{flow.value}")
    return start_sync(ctx, request, integration_id, flow, f"Backfill since {day}: {flow.label}")


async def record_test(
    ctx: PortalContext, request: Request, integration_id: str
) -> ConnectionReport:
    result = await run_in_threadpool(retest_integration, ctx.hub, integration_id)
    keep_connection_report(ctx.hub, integration_id, result.report)
    return result.report


def report_flash(ctx: PortalContext, request: Request, report: ConnectionReport) -> None:
    if report.ok:
        ctx.flash(request, "Connection test passed: every permission is granted.")
    elif report.connected:
        ctx.flash(request, report.summary, "warn")
    else:
        ctx.flash(request, f"Connection test failed: {report.summary}", "error")


async def test_connection(ctx: PortalContext, request: Request) -> Response:
    integration_id = request.path_params["integration_id"]
    try:
        report_flash(ctx, request, await record_test(ctx, request, integration_id))
    except HubError as problem:
        ctx.flash(request, str(problem), "error")
    return ctx.redirect(f"/integrations/{integration_id}#connection")


async def replace_key(ctx: PortalContext, request: Request) -> Response:
    integration_id = request.path_params["integration_id"]
    key = str(form_of(request).get("api_key", "")).strip()
    if not key:
        return detail(
            ctx,
            request,
            integration_id,
            errors={"api_key": "Paste the new access token from the API Token Manager."},
            status=400,
        )
    try:
        result = await run_in_threadpool(replace_api_key, ctx.hub, integration_id, key)
    except NotFoundError:
        return ctx.not_found(request, "That integration")
    except ConnectionFailed as failed:
        return detail(
            ctx,
            request,
            integration_id,
            errors={
                "api_key": "The new key was not saved; the current key is still in use. "
                + failed.report.summary
            },
            status=400,
        )
    keep_connection_report(ctx.hub, integration_id, result.report)
    ctx.flash(request, "API key replaced.", "ok")
    report_flash(ctx, request, result.report)
    return ctx.redirect(f"/integrations/{integration_id}#connection")


async def disable(ctx: PortalContext, request: Request) -> Response:
    integration_id = request.path_params["integration_id"]
    try:
        disable_integration(ctx.hub, integration_id)
    except NotFoundError:
        return ctx.not_found(request, "That integration")
    ctx.flash(
        request,
        "Integration disabled: no flow runs. Enabling it again starts from that moment; what "
        "changes in the store meanwhile is not brought in unless you backfill.",
        "info",
    )
    return ctx.redirect(f"/integrations/{integration_id}")


async def remove(ctx: PortalContext, request: Request) -> Response:
    integration_id = request.path_params["integration_id"]
    if form_of(request).get("confirm") != "yes":
        return detail(
            ctx,
            request,
            integration_id,
            errors={"confirm": "Tick the box to confirm the removal."},
            status=400,
        )
    try:
        problem = await run_in_threadpool(remove_integration, ctx.hub, integration_id)
    except HubError:
        return ctx.not_found(request, "That integration")
    ctx.flash(request, "Integration removed. The records it brought stay in the hub.", "info")
    if problem:
        ctx.flash(request, problem, "warn")
    return ctx.redirect("/integrations")
