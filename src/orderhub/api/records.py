"""Read endpoints of the five record kinds: orders, products, inventory, locations, fulfillments.

Each kind has a list (`GET /orders`) with paging, the time window, `status` (repeatable, any
of), `integration`, the kind's external reference (`extOrderId`, …) and, for products and
inventory, `sku`; and a single read by hub id (`GET /orders/{orderId}`) or by external id
(`GET /orders/ext:#1001`, `GET /orders/api:1234`, optionally `?integration=`).

The product list shows one record per product, as the portal does (the store's "hub view"):
where the hub holds its own record of a SKU (a pulled product repriced in the hub), that record
is the product — the one products.push sends — and the store's copy is left out.
`?copies=all` lists every record, the stores' copies too; `?integration=` lists that
integration's records, copies included.
"""

# No `from __future__ import annotations` here: FastAPI reads the endpoints' annotations at
# runtime, and they name `Depends(filters)`, a local of the function that builds them.

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from starlette.responses import JSONResponse

from orderhub.api.envelopes import entity_envelope, error_responses, list_envelope, many, one
from orderhub.api.errors import ApiError
from orderhub.api.params import Page, TimeWindow, page_params, time_window
from orderhub.api.state import ApiState
from orderhub.domain import Fulfillment, Inventory, Location, Order, Product
from orderhub.store.record_queries import (
    NEWEST_FIRST,
    RecordFilter,
    RecordSort,
    UpdatedWindow,
    find_by_ext,
    find_records,
)
from orderhub.store.records import EntityKind, StoredRecord, get_record

__all__ = ["KINDS", "KindSpec", "records_router"]

_READ_ERRORS = error_responses(400, 401, 404, 409)

RecordOrder = Literal["updatedAt", "-updatedAt", "createdAt", "-createdAt"]
"""The API's sorts (documented values of `order`): the store's, less the portal's by SKU."""


@dataclass(frozen=True)
class KindSpec:
    kind: EntityKind
    path: str
    singular: str
    plural: str
    model: type[Any]
    has_sku: bool = False
    one_per_sku: bool = False
    """Listed as the hub view by default (one record per product; `copies=all`: every one)."""

    @property
    def title(self) -> str:
        return self.model.__name__


KINDS: tuple[KindSpec, ...] = (
    KindSpec(EntityKind.ORDER, "orders", "order", "orders", Order),
    KindSpec(
        EntityKind.PRODUCT,
        "products",
        "product",
        "products",
        Product,
        has_sku=True,
        one_per_sku=True,
    ),
    KindSpec(EntityKind.INVENTORY, "inventory", "inventory", "inventory", Inventory, has_sku=True),
    KindSpec(EntityKind.LOCATION, "locations", "location", "locations", Location),
    KindSpec(EntityKind.FULFILLMENT, "fulfillments", "fulfillment", "fulfillments", Fulfillment),
)


Copies = Literal["hub", "all"]
_COPIES_HELP = (
    "`hub` (the default): one record per product — where the hub holds its own record of a "
    "SKU (a product repriced in the hub), that record, not the store's copy, as the portal "
    "lists them. `all`: every record, the stores' copies too. With `integration`, that "
    "integration's records are listed, copies included."
)


@dataclass(frozen=True)
class _KindFilters:
    ext_ref: str | None
    sku: str | None
    every_copy: bool = True


def records_router(state: ApiState, read: Callable[..., Any]) -> APIRouter:
    router = APIRouter(dependencies=[Depends(read)])
    for spec in KINDS:
        _add_kind(router, state, spec)
    return router


def _add_kind(router: APIRouter, state: ApiState, spec: KindSpec) -> None:
    filters = _filters_dependency(spec)

    def list_records(
        page: Annotated[Page, Depends(page_params)],
        window: Annotated[TimeWindow, Depends(time_window)],
        kind_filters: Annotated[_KindFilters, Depends(filters)],
        status: Annotated[
            list[str] | None, Query(description="Any of these statuses (repeat the parameter).")
        ] = None,
        integration: Annotated[
            str | None, Query(description="Only records this integration brought in.")
        ] = None,
        order: Annotated[
            RecordOrder, Query(description="Sort field; a leading `-` sorts newest first.")
        ] = "-updatedAt",
    ) -> JSONResponse:
        where = RecordFilter(
            kind=spec.kind,
            integration=integration,
            statuses=tuple(status or ()),
            ext_ref=kind_filters.ext_ref,
            sku=kind_filters.sku,
            window=UpdatedWindow(since=window.since, until=window.until),
            hub_view=not kind_filters.every_copy and integration is None,
        )
        with state.hub.db.read_session() as session:
            sort = RecordSort.parse(order) or NEWEST_FIRST  # `order` is one of RecordOrder
            found = find_records(session, where, skip=page.skip, count=page.count, sort=sort)
        values = [record.to_wire() for record in found.records]
        return many(spec.plural, values, skip=page.skip, count=page.count, total=found.total)

    def get_one(
        key: str,
        integration: Annotated[
            str | None,
            Query(description="With `ext:`/`api:`: only this integration's records."),
        ] = None,
    ) -> JSONResponse:
        record = _lookup(state, spec, key, integration)
        return one(spec.singular, record.to_wire())

    router.add_api_route(
        f"/{spec.path}",
        list_records,
        methods=["GET"],
        name=f"list_{spec.path}",
        summary=f"List {spec.plural}",
        tags=[spec.path],
        response_model=list_envelope(spec.plural, spec.model, title=f"{spec.title}List"),
        responses=_READ_ERRORS,
    )
    router.add_api_route(
        f"/{spec.path}/{{key:path}}",
        get_one,
        methods=["GET"],
        name=f"get_{spec.singular}",
        summary=f"Get one {spec.singular} by hub id, `ext:<id>` or `api:<id>`",
        tags=[spec.path],
        response_model=entity_envelope(spec.singular, spec.model, title=f"{spec.title}Envelope"),
        responses=_READ_ERRORS,
    )


def _filters_dependency(spec: KindSpec) -> Callable[..., _KindFilters]:
    ext_field = spec.kind.ext_ref_field
    ext_help = f"Only records whose `{ext_field}` is this value."
    if spec.one_per_sku:

        def hub_view(
            ext_ref: Annotated[str | None, Query(alias=ext_field, description=ext_help)] = None,
            sku: Annotated[str | None, Query(description="Only this SKU.")] = None,
            copies: Annotated[Copies, Query(description=_COPIES_HELP)] = "hub",
        ) -> _KindFilters:
            return _KindFilters(ext_ref=ext_ref, sku=sku, every_copy=copies == "all")

        return hub_view
    if spec.has_sku:

        def with_sku(
            ext_ref: Annotated[str | None, Query(alias=ext_field, description=ext_help)] = None,
            sku: Annotated[str | None, Query(description="Only this SKU.")] = None,
        ) -> _KindFilters:
            return _KindFilters(ext_ref=ext_ref, sku=sku)

        return with_sku

    def without_sku(
        ext_ref: Annotated[str | None, Query(alias=ext_field, description=ext_help)] = None,
    ) -> _KindFilters:
        return _KindFilters(ext_ref=ext_ref, sku=None)

    return without_sku


def _lookup(state: ApiState, spec: KindSpec, key: str, integration: str | None) -> StoredRecord:
    prefix, _, rest = key.partition(":")
    with state.hub.db.read_session() as session:
        if prefix in ("ext", "api") and rest:
            found = find_by_ext(
                session,
                spec.kind,
                rest,
                integration=integration,
                source_id_only=prefix == "api",
            )
            if len(found) > 1:
                owners = ", ".join(sorted({r.integration_id or "hub" for r in found}))
                raise ApiError(
                    409,
                    f"More than one {spec.singular} has the external id {rest!r} "
                    f"(integrations: {owners}); add ?integration=<id>",
                )
            record = found[0] if found else None
        else:
            record = get_record(session, spec.kind, key, with_source=False)
    if record is None:
        raise ApiError(404, "No results")
    return record
