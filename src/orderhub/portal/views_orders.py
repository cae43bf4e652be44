"""Orders: the list, one order with its timeline, and "test fulfill" from it."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from orderhub.domain import (
    Fulfillment,
    FulfillmentLine,
    OrderStatus,
)
from orderhub.errors import HubError
from orderhub.hub import Hub
from orderhub.portal.context import PortalContext, form_of
from orderhub.portal.listing import (
    PAGE_SIZE,
    day_field,
    page_number,
    pages,
    typed_quantity,
)
from orderhub.services import fulfillments as fulfillment_service
from orderhub.store import exceptions as exception_store
from orderhub.store import integrations as integration_store
from orderhub.store.record_queries import (
    RecordFilter,
    UpdatedWindow,
    find_records,
    fulfillments_of_order,
)
from orderhub.store.records import EntityKind, get_record
from orderhub.store.timeline import timeline

__all__ = ["CARRIERS", "fulfill", "order_detail", "orders"]

CARRIERS = ("UPS", "FedEx", "USPS", "DHL", "Other")


async def orders(ctx: PortalContext, request: Request) -> Response:
    params = request.query_params
    errors: dict[str, str] = {}
    day_from = day_field(params.get("from"), "from", errors)
    day_to = day_field(params.get("to"), "to", errors)
    status = params.get("status") or None
    if status is not None and status not in {s.value for s in OrderStatus}:
        errors["status"] = "Pick a status from the list."
        status = None
    # A person means the days they picked, whole, by the store's own update time.
    window = UpdatedWindow(
        since=datetime.combine(day_from, time.min, tzinfo=UTC) if day_from else None,
        until=(
            datetime.combine(day_to + timedelta(days=1), time.min, tzinfo=UTC) if day_to else None
        ),
        until_inclusive=False,
        by_source_time=True,
    )
    query = RecordFilter(
        EntityKind.ORDER,
        integration=params.get("integration") or None,
        statuses=(status,) if status else (),
        search=params.get("q") or None,
        window=window,
    )
    page = page_number(request)
    with ctx.hub.db.read_session() as session:
        found = find_records(session, query, skip=(page - 1) * PAGE_SIZE, count=PAGE_SIZE)
        records, total = found.records, found.total
        integrations = integration_store.list_integrations(session)
    return ctx.render(
        request,
        "orders/list.html",
        {
            "orders": records,
            "integrations": integrations,
            "statuses": list(OrderStatus),
            "filters": dict(params),
            "errors": errors,
            "pages": pages(request, total, page),
        },
        status=400 if errors else 200,
    )


def order_page(
    ctx: PortalContext,
    request: Request,
    order_id: str,
    *,
    fulfill_values: dict[str, str] | None = None,
    fulfill_errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    with ctx.hub.db.read_session() as session:
        order = get_record(session, EntityKind.ORDER, order_id)
        if order is None:
            return ctx.not_found(request, "That order")
        events = timeline(session, EntityKind.ORDER, order_id)
        fulfillments = fulfillments_of_order(session, order_id)
        exceptions = (
            [
                e
                for e in exception_store.list_exceptions(
                    session, integration_id=order.integration_id, limit=1000
                )
                if e.entity_type == "order" and e.ext_entity_id == order.ext_id
            ]
            if order.integration_id
            else []
        )
    lines = order.data.get("lineItems") or []
    left = _left_to_fulfil(ctx.hub, order_id)
    defaults = {
        f"qty-{index}": str(
            left.get(str(line.get("uniqueId")), 0)
            if left is not None
            else max(0, int(line.get("quantity") or 0) - int(line.get("shippedQuantity") or 0))
        )
        for index, line in enumerate(lines)
    }
    return ctx.render(
        request,
        "orders/detail.html",
        {
            "order": order,
            "data": order.data,
            "lines": lines,
            "events": events,
            "fulfillments": fulfillments,
            "exceptions": exceptions,
            "carriers": CARRIERS,
            "fulfill_available": True,
            "fulfill_values": {**defaults, **(fulfill_values or {})},
            "fulfill_errors": fulfill_errors or {},
        },
        status=status,
    )


async def order_detail(ctx: PortalContext, request: Request) -> Response:
    return order_page(ctx, request, request.path_params["order_id"])


async def fulfill(ctx: PortalContext, request: Request) -> Response:
    order_id = request.path_params["order_id"]
    form = form_of(request)
    with ctx.hub.db.read_session() as session:
        order = get_record(session, EntityKind.ORDER, order_id)
    if order is None:
        return ctx.not_found(request, "That order")
    lines = order.data.get("lineItems") or []
    values = {key: str(value).strip() for key, value in form.items() if key != "csrf_token"}
    errors: dict[str, str] = {}
    chosen: list[FulfillmentLine] = []
    for index, line in enumerate(lines):
        text = values.get(f"qty-{index}", "0") or "0"
        try:
            quantity = typed_quantity(text)
        except ValueError as problem:
            errors[f"qty-{index}"] = str(problem)
            continue
        if quantity > int(line.get("quantity") or 0):
            errors[f"qty-{index}"] = f"At most {line.get('quantity')} were ordered."
        elif quantity:
            chosen.append(
                FulfillmentLine(
                    unique_id=line.get("uniqueId"), sku=str(line.get("sku")), quantity=quantity
                )
            )
    if not errors and not chosen:
        errors["lines"] = "Ship at least one unit of one line."
    carrier = values.get("carrier", "")
    if carrier and carrier not in CARRIERS:
        errors["carrier"] = "Pick a carrier from the list."
    tracking = values.get("tracking", "")
    if len(tracking) > 100:
        errors["tracking"] = "A tracking number is at most 100 characters."
    if errors:
        return order_page(
            ctx, request, order_id, fulfill_values=values, fulfill_errors=errors, status=400
        )
    try:
        fulfillment = Fulfillment(
            order_id=order_id,
            ext_order_id=order.data.get("extOrderId"),
            tracking_numbers=[tracking] if tracking else [],
            shipping_carrier=carrier or None,
            actual_ship_date=ctx.hub.clock.now(),
            line_items=chosen,
        )
        await run_in_threadpool(
            fulfillment_service.create_fulfillment, ctx.hub, fulfillment, actor="portal"
        )
    except (HubError, ValidationError, ValueError) as problem:
        return order_page(
            ctx,
            request,
            order_id,
            fulfill_values=values,
            fulfill_errors={"lines": str(problem)},
            status=400,
        )
    ctx.flash(
        request,
        "Fulfillment created. Push Fulfillment sends it to "
        f"{ctx.store_name(order.integration_id)} on its next run.",
    )
    return ctx.redirect(f"/orders/{order_id}#fulfillments")


def _left_to_fulfil(hub: Hub, order_id: str) -> dict[str, int] | None:
    """{line uniqueId: quantity not fulfilled yet}, counting the hub's own fulfillments."""
    try:
        lines = fulfillment_service.unfulfilled_lines(hub, order_id)
    except HubError:
        return None
    return {str(line.unique_id): int(line.quantity) for line in lines}
