"""The dashboard: orders and revenue over time, each store's health and lag, exceptions over time.

Server-rendered (SVG charts from `orderhub.portal.charts`); every figure comes from a handful
of aggregate queries (`orderhub.store.dashboard`), so the page costs the same with 100 orders
or 100,000 in the window. Times are UTC, and the page says so.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from orderhub.domain import ExceptionStatus
from orderhub.monitor.budget_reports import BudgetReport, report_key
from orderhub.portal.charts import bar_chart
from orderhub.portal.context import PortalContext
from orderhub.services import dashboard as figures
from orderhub.services.budget_view import budget_view
from orderhub.services.webhook_view import webhook_views
from orderhub.store import call_budgets
from orderhub.store import dashboard as aggregates
from orderhub.store import exceptions as exception_store
from orderhub.store import integrations as integration_store
from orderhub.store import runs as run_store
from orderhub.store.records import EntityKind, count_records

__all__ = ["dashboard_routes"]

WINDOWS = (7, 30)
HOURLY_UP_TO_DAYS = 7  # 168 bars; 720 hourly bars would be too thin to read


def dashboard_routes(ctx: PortalContext) -> list[Route]:
    hub = ctx.hub

    def gather(days: int, hourly: bool) -> dict[str, object]:
        now = hub.clock.now()
        since = now - timedelta(days=days)
        with hub.db.read_session() as session:
            integrations = integration_store.list_integrations(session)
            points = aggregates.order_points(session, since=since)
            spans = aggregates.exception_spans(session, since=since)
            succeeded = aggregates.last_successes(session, [i.integration_id for i in integrations])
            day = run_store.flow_stats(session, since=now - timedelta(hours=24))
            hour = run_store.flow_stats(session, since=now - timedelta(hours=1))
            open_exceptions = exception_store.count_exceptions(session, status=ExceptionStatus.OPEN)
            reported = {
                i.integration_id: BudgetReport.from_document(
                    call_budgets.get_budget(
                        session, report_key(hub.connectors.get(i.connector).store_key(i.api_url))
                    )
                )
                for i in integrations
            }
            totals = {
                kind.value: count_records(session, kind)
                for kind in (EntityKind.ORDER, EntityKind.PRODUCT, EntityKind.FULFILLMENT)
            }
        hooks = webhook_views(hub, integrations)
        revenue = figures.revenue_per_bucket(points, now, days=days, hourly=hourly)
        money = _money(revenue.currency)
        orders = figures.orders_per_bucket(points, now, days=days, hourly=hourly)
        exceptions = figures.exceptions_per_day(spans, now, days=days)
        per = "hour" if hourly else "day"
        return {
            "days": days,
            "hourly": hourly,
            "windows": WINDOWS,
            "can_hourly": days <= HOURLY_UP_TO_DAYS,
            "orders_chart": bar_chart(orders, title=f"Orders per {per}, last {days} days (UTC)"),
            "orders_total": int(sum(bar.value for bar in orders)),
            "first_bucket": orders[0]
            .start.strftime("%b %d %H:00" if hourly else "%b %d")
            .replace(" 0", " "),
            "revenue_chart": bar_chart(
                revenue.bars,
                title=f"Revenue per {per}, last {days} days (UTC)",
                shown=money,
                css_class="revenue",
            ),
            "revenue_total": money(sum((bar.value for bar in revenue.bars), Decimal(0))),
            "revenue": revenue,
            "exceptions_chart": bar_chart(
                exceptions,
                title=f"Open exceptions at the end of each day, last {days} days",
                css_class="exceptions",
            ),
            "statuses": figures.status_counts(points),
            "health": {
                i.integration_id: figures.integration_health(
                    i, succeeded, hooks.get(i.integration_id), now
                )
                for i in integrations
            },
            "describe_age": figures.describe_age,
            "integrations": integrations,
            "stats": {(s.integration_id, s.flow): s for s in day},
            "budget": {
                i.integration_id: {
                    "day": sum(s.api_calls for s in day if s.integration_id == i.integration_id),
                    "hour": sum(s.api_calls for s in hour if s.integration_id == i.integration_id),
                }
                for i in integrations
            },
            "reported": {
                i.integration_id: budget_view(
                    reported[i.integration_id], now, hub.connectors.of(i).call_plans
                )
                for i in integrations
            },
            "open_exceptions": open_exceptions,
            "totals": totals,
            "available": frozenset().union(
                *(hub.registry.available(kind) for kind in hub.connectors.kinds())
            ),
        }

    async def dashboard(request: Request) -> Response:
        try:
            days = int(request.query_params.get("days", "7"))
        except ValueError:
            days = 7
        days = days if days in WINDOWS else 7
        hourly = request.query_params.get("per") == "hour" and days <= HOURLY_UP_TO_DAYS
        values = await run_in_threadpool(gather, days, hourly)
        return ctx.render(request, "dashboard.html", values)

    return [ctx.route("/", dashboard)]


def _money(currency: str | None) -> Callable[[Decimal], str]:
    code = f" {currency}" if currency else ""

    def shown(value: Decimal) -> str:
        return f"{value:,.2f}{code}"

    return shown
