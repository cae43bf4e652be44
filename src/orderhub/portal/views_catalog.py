"""Products and variants, inventory (editable), locations and fulfillments."""

from __future__ import annotations

from itertools import chain

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from orderhub.domain import (
    ExceptionStatus,
)
from orderhub.errors import HubError
from orderhub.portal.context import PortalContext, form_of
from orderhub.portal.listing import (
    PAGE_SIZE,
    integration_names,
    location_names,
    page_number,
    pages,
    source_words,
    typed_quantity,
)
from orderhub.services import inventory as inventory_service
from orderhub.services.location_mappings import mapped_onto
from orderhub.store import exceptions as exception_store
from orderhub.store.record_queries import (
    RecordFilter,
    RecordSort,
    available_by_sku,
    find_records,
    variants_of,
)
from orderhub.store.records import EntityKind, get_record, holders_of_skus
from orderhub.store.timeline import timeline

__all__ = ["fulfillments", "inventory", "locations", "product_detail", "products", "set_inventory"]


async def products(ctx: PortalContext, request: Request) -> Response:
    page = page_number(request)
    query = RecordFilter(
        EntityKind.PRODUCT,
        search=request.query_params.get("q") or None,
        top_level_only=not request.query_params.get("q"),
        hub_view=True,
    )
    with ctx.hub.db.read_session() as session:
        found = find_records(
            session, query, skip=(page - 1) * PAGE_SIZE, count=PAGE_SIZE, sort=RecordSort("sku")
        )
        records, total = found.records, found.total
        parents = [r for r in records if "parent" in (r.data.get("types") or [])]
        variants = variants_of(session, parents)
        skus = [r.data["sku"] for r in [*records, *chain(*variants.values())] if r.data.get("sku")]
        stock = available_by_sku(session, skus)
        holders = holders_of_skus(session, EntityKind.PRODUCT, skus)
        names = integration_names(session)
    return ctx.render(
        request,
        "products/list.html",
        {
            "products": records,
            "variants": variants,
            "stock": stock,
            "sources": {sku: source_words(owners, names) for sku, owners in holders.items()},
            "q": request.query_params.get("q", ""),
            "pages": pages(request, total, page),
        },
    )


async def product_detail(ctx: PortalContext, request: Request) -> Response:
    with ctx.hub.db.read_session() as session:
        product = get_record(session, EntityKind.PRODUCT, request.path_params["product_id"])
        if product is None:
            return ctx.not_found(request, "That product")
        variants = variants_of(session, [product])[product.hub_id]
        events = timeline(session, EntityKind.PRODUCT, product.hub_id)
        sku = str(product.data.get("sku") or "")
        # The other records of this SKU: the hub's own and each store's copy.
        others = [
            r
            for r in (
                find_records(session, RecordFilter(EntityKind.PRODUCT, sku=sku), count=20).records
                if sku
                else []
            )
            if r.hub_id != product.hub_id
        ]
        stock = available_by_sku(session, [sku]).get(sku) if sku else None
        names = integration_names(session)
    return ctx.render(
        request,
        "products/detail.html",
        {
            "product": product,
            "data": product.data,
            "variants": variants,
            "events": events,
            "others": others,
            "stock": stock,
            "names": names,
            "source": source_words({product.integration_id}, names),
        },
    )


def inventory_page(
    ctx: PortalContext,
    request: Request,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    page = page_number(request)
    query = RecordFilter(EntityKind.INVENTORY, search=request.query_params.get("q") or None)
    with ctx.hub.db.read_session() as session:
        found = find_records(
            session, query, skip=(page - 1) * PAGE_SIZE, count=PAGE_SIZE, sort=RecordSort("sku")
        )
        records, total = found.records, found.total
        locations = location_names(session)  # one query: the page's names and the form's list
    return ctx.render(
        request,
        "inventory/list.html",
        {
            "rows": records,
            "locations": locations,
            "editable": True,
            "values": values or {},
            "errors": errors or {},
            "q": request.query_params.get("q", ""),
            "pages": pages(request, total, page),
        },
        status=status,
    )


async def inventory(ctx: PortalContext, request: Request) -> Response:
    return inventory_page(ctx, request)


async def set_inventory(ctx: PortalContext, request: Request) -> Response:
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
        on_hand = typed_quantity(values["on_hand"])
    except ValueError as problem:
        on_hand = 0
        errors["on_hand"] = str(problem)
    if errors:
        return inventory_page(
            ctx, request, values={**values, "row": row_key}, errors=errors, status=400
        )
    try:
        await run_in_threadpool(
            lambda: inventory_service.set_inventory(
                ctx.hub,
                sku=values["sku"],
                quantity=on_hand,
                location_id=values["location_id"],
                actor="portal",
            )
        )
    except (HubError, ValidationError, ValueError) as problem:
        return inventory_page(
            ctx,
            request,
            values={**values, "row": row_key},
            errors={"on_hand": str(problem)},
            status=400,
        )
    ctx.flash(request, f"{values['sku']}: on hand set to {on_hand}.")
    return ctx.redirect("/inventory")


async def locations(ctx: PortalContext, request: Request) -> Response:
    with ctx.hub.db.read_session() as session:
        found = find_records(session, RecordFilter(EntityKind.LOCATION), count=500)
        mapped = mapped_onto(ctx.hub, session)
    return ctx.render(
        request,
        "locations/list.html",
        {"locations": found.records, "total": found.total, "mapped": mapped},
    )


async def fulfillments(ctx: PortalContext, request: Request) -> Response:
    page = page_number(request)
    query = RecordFilter(EntityKind.FULFILLMENT, search=request.query_params.get("q") or None)
    with ctx.hub.db.read_session() as session:
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
            "pages": pages(request, total, page),
        },
    )
