"""Orders (with test fulfill), products and variants, inventory, locations, fulfillments."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from orderhub.domain import (
    ExceptionStatus,
    Fulfillment,
    FulfillmentLine,
    OrderStatus,
)
from orderhub.domain.bounds import InvalidValue, parse_quantity
from orderhub.errors import HubError
from orderhub.portal import optional
from orderhub.portal.context import PortalContext, form_of
from orderhub.store import exceptions as exception_store
from orderhub.store import integrations as integration_store
from orderhub.store.record_queries import (
    RecordFilter,
    UpdatedWindow,
    find_records,
    fulfillments_of_order,
    variants_of,
)
from orderhub.store.records import EntityKind, get_record
from orderhub.store.timeline import timeline

__all__ = ["CARRIERS", "record_routes"]

PAGE_SIZE = 50
CARRIERS = ("UPS", "FedEx", "USPS", "DHL", "Other")


def _page(request: Request) -> int:
    try:
        return max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        return 1


def _typed_quantity(text: str) -> int:
    """A quantity typed in a form, or ValueError with the sentence to show next to it.

    ASCII digits only, 0 to 2,147,483,647 (`parse_quantity`): int() would read "٣" as 3.
    """
    try:
        return parse_quantity(text)
    except InvalidValue as invalid:
        raise ValueError(f"The quantity {invalid.reason}.") from None


def _day(text: str | None, field: str, errors: dict[str, str]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[field] = "Enter a date as YYYY-MM-DD."
        return None


def _pages(request: Request, total: int, page: int) -> dict[str, Any]:
    last = max(1, math.ceil(total / PAGE_SIZE))
    params = {k: v for k, v in request.query_params.items() if k != "page" and v}

    def link(number: int) -> str:
        return "?" + urlencode({**params, "page": number})

    return {
        "page": page,
        "last": last,
        "total": total,
        "prev": link(page - 1) if page > 1 else None,
        "next": link(page + 1) if page < last else None,
    }


def _location_names(session: Session) -> dict[str, str]:
    found = find_records(session, RecordFilter(EntityKind.LOCATION), count=1000)
    return {r.hub_id: str(r.data.get("name") or r.hub_id) for r in found.records}


def record_routes(ctx: PortalContext) -> list[Route]:
    hub = ctx.hub

    # -- orders ----------------------------------------------------------------------------

    async def orders(request: Request) -> Response:
        params = request.query_params
        errors: dict[str, str] = {}
        day_from = _day(params.get("from"), "from", errors)
        day_to = _day(params.get("to"), "to", errors)
        status = params.get("status") or None
        if status is not None and status not in {s.value for s in OrderStatus}:
            errors["status"] = "Pick a status from the list."
            status = None
        # A person means the days they picked, whole, by the store's own update time.
        window = UpdatedWindow(
            since=datetime.combine(day_from, time.min, tzinfo=UTC) if day_from else None,
            until=(
                datetime.combine(day_to + timedelta(days=1), time.min, tzinfo=UTC)
                if day_to
                else None
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
        page = _page(request)
        with hub.db.read_session() as session:
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
                "pages": _pages(request, total, page),
            },
            status=400 if errors else 200,
        )

    def order_page(
        request: Request,
        order_id: str,
        *,
        fulfill_values: dict[str, str] | None = None,
        fulfill_errors: dict[str, str] | None = None,
        status: int = 200,
    ) -> Response:
        with hub.db.read_session() as session:
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
        left = optional.left_to_fulfil(hub, order_id)
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
                "fulfill_available": optional.fulfillments_available(),
                "fulfill_values": {**defaults, **(fulfill_values or {})},
                "fulfill_errors": fulfill_errors or {},
            },
            status=status,
        )

    async def order_detail(request: Request) -> Response:
        return order_page(request, request.path_params["order_id"])

    async def fulfill(request: Request) -> Response:
        order_id = request.path_params["order_id"]
        form = form_of(request)
        with hub.db.read_session() as session:
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
                quantity = _typed_quantity(text)
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
        if not errors and not optional.fulfillments_available():
            errors["lines"] = "Creating fulfillments is not available yet in this version."
        if errors:
            return order_page(
                request, order_id, fulfill_values=values, fulfill_errors=errors, status=400
            )
        try:
            fulfillment = Fulfillment(
                order_id=order_id,
                ext_order_id=order.data.get("extOrderId"),
                tracking_numbers=[tracking] if tracking else [],
                shipping_carrier=carrier or None,
                actual_ship_date=hub.clock.now(),
                line_items=chosen,
            )
            await run_in_threadpool(optional.create_fulfillment, hub, fulfillment)
        except (HubError, ValidationError, ValueError) as problem:
            return order_page(
                request,
                order_id,
                fulfill_values=values,
                fulfill_errors={"lines": str(problem)},
                status=400,
            )
        ctx.flash(
            request,
            "Fulfillment created. Push Fulfillment sends it to Cart.com on its next run.",
        )
        return ctx.redirect(f"/orders/{order_id}#fulfillments")

    # -- products --------------------------------------------------------------------------

    async def products(request: Request) -> Response:
        page = _page(request)
        query = RecordFilter(
            EntityKind.PRODUCT,
            search=request.query_params.get("q") or None,
            top_level_only=not request.query_params.get("q"),
        )
        with hub.db.read_session() as session:
            found = find_records(
                session, query, skip=(page - 1) * PAGE_SIZE, count=PAGE_SIZE, sort="sku"
            )
            records, total = found.records, found.total
            parents = [r for r in records if "parent" in (r.data.get("types") or [])]
            variants = variants_of(session, parents)
        return ctx.render(
            request,
            "products/list.html",
            {
                "products": records,
                "variants": variants,
                "q": request.query_params.get("q", ""),
                "pages": _pages(request, total, page),
            },
        )

    async def product_detail(request: Request) -> Response:
        with hub.db.read_session() as session:
            product = get_record(session, EntityKind.PRODUCT, request.path_params["product_id"])
            if product is None:
                return ctx.not_found(request, "That product")
            variants = variants_of(session, [product])[product.hub_id]
            events = timeline(session, EntityKind.PRODUCT, product.hub_id)
        return ctx.render(
            request,
            "products/detail.html",
            {"product": product, "data": product.data, "variants": variants, "events": events},
        )

    # -- inventory -------------------------------------------------------------------------

    def inventory_page(
        request: Request,
        *,
        values: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
        status: int = 200,
    ) -> Response:
        page = _page(request)
        query = RecordFilter(EntityKind.INVENTORY, search=request.query_params.get("q") or None)
        with hub.db.read_session() as session:
            found = find_records(
                session, query, skip=(page - 1) * PAGE_SIZE, count=PAGE_SIZE, sort="sku"
            )
            records, total = found.records, found.total
            locations = _location_names(session)
        return ctx.render(
            request,
            "inventory/list.html",
            {
                "rows": records,
                "locations": locations,
                "editable": optional.inventory_available(),
                "values": values or {},
                "errors": errors or {},
                "q": request.query_params.get("q", ""),
                "pages": _pages(request, total, page),
            },
            status=status,
        )

    async def inventory(request: Request) -> Response:
        return inventory_page(request)

    async def set_inventory(request: Request) -> Response:
        form = form_of(request)
        values = {
            "sku": str(form.get("sku", "")).strip(),
            "location_id": str(form.get("location_id", "")).strip(),
            "on_hand": str(form.get("on_hand", "")).strip(),
        }
        row_key = f"{values['sku']}@{values['location_id']}"
        errors: dict[str, str] = {}
        if not values["sku"]:
            errors["sku"] = "Enter the SKU."
        if not values["location_id"]:
            errors["location_id"] = "Pick a location."
        try:
            on_hand = _typed_quantity(values["on_hand"])
        except ValueError as problem:
            on_hand = 0
            errors["on_hand"] = str(problem)
        if not errors and not optional.inventory_available():
            errors["on_hand"] = "Editing inventory is not available yet in this version."
        if errors:
            return inventory_page(
                request, values={**values, "row": row_key}, errors=errors, status=400
            )
        try:
            await run_in_threadpool(
                optional.set_inventory,
                hub,
                sku=values["sku"],
                location_id=values["location_id"],
                on_hand=on_hand,
            )
        except (HubError, ValidationError, ValueError) as problem:
            return inventory_page(
                request,
                values={**values, "row": row_key},
                errors={"on_hand": str(problem)},
                status=400,
            )
        ctx.flash(request, f"{values['sku']}: on hand set to {on_hand}.")
        return ctx.redirect("/inventory")

    # -- locations, fulfillments -----------------------------------------------------------

    async def locations(request: Request) -> Response:
        with hub.db.read_session() as session:
            found = find_records(session, RecordFilter(EntityKind.LOCATION), count=500)
        return ctx.render(
            request, "locations/list.html", {"locations": found.records, "total": found.total}
        )

    async def fulfillments(request: Request) -> Response:
        page = _page(request)
        query = RecordFilter(EntityKind.FULFILLMENT, search=request.query_params.get("q") or None)
        with hub.db.read_session() as session:
            found = find_records(session, query, skip=(page - 1) * PAGE_SIZE, count=PAGE_SIZE)
            records, total = found.records, found.total
            open_ids = {
                (e.integration, e.ext_entity_id)
                for e in exception_store.list_exceptions(
                    session, status=ExceptionStatus.OPEN, limit=1000
                )
                if e.entity_type == "fulfillment"
            }
        return ctx.render(
            request,
            "fulfillments/list.html",
            {
                "fulfillments": records,
                "open_ids": open_ids,
                "q": request.query_params.get("q", ""),
                "pages": _pages(request, total, page),
            },
        )

    return [
        ctx.route("/orders", orders),
        ctx.route("/orders/{order_id:str}", order_detail),
        ctx.route("/orders/{order_id:str}/fulfill", fulfill, methods=("POST",)),
        ctx.route("/products", products),
        ctx.route("/products/{product_id:str}", product_detail),
        ctx.route("/inventory", inventory),
        ctx.route("/inventory", set_inventory, methods=("POST",)),
        ctx.route("/locations", locations),
        ctx.route("/fulfillments", fulfillments),
    ]
