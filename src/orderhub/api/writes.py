"""Writes that feed the push flows: create a fulfillment, set inventory, upsert a product.

The API only validates the body (the canonical models, camelCase) and calls the hub service
that owns the write; the service stores a hub-native record (no integration, actor `api`),
and the push flows pick it up from the change feed. A service that is not in this build yet
answers 501.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel
from starlette.responses import JSONResponse

from orderhub.api.envelopes import entity_envelope, error_responses, one
from orderhub.api.errors import ApiError, describe_validation
from orderhub.api.state import ApiState
from orderhub.domain import Fulfillment, Inventory, Product

__all__ = ["InventoryUpdate", "writes_router"]

_WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 422, 501)


class InventoryUpdate(BaseModel):
    """Set the on-hand quantity of a SKU at a location: `locationId` (a hub id, external id
    or name) is needed when the hub has several active locations; without it, the only one
    (none yet: a hub location named Default is made)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    sku: str = Field(min_length=1, max_length=255)
    quantity: int = Field(ge=0, le=1_000_000_000)
    location_id: str | None = Field(default=None, min_length=1, max_length=255)


def writes_router(state: ApiState, write: Callable[..., Any]) -> APIRouter:
    router = APIRouter(dependencies=[Depends(write)])

    @router.post(
        "/fulfillments",
        status_code=201,
        summary="Create a fulfillment (pushed to the store by fulfillments.push)",
        tags=["fulfillments"],
        response_model=entity_envelope("fulfillment", Fulfillment, title="FulfillmentCreated"),
        responses=_WRITE_ERRORS,
    )
    def create_fulfillment(body: Annotated[Fulfillment, Body()]) -> JSONResponse:
        service = _service(state, "fulfillments", "create_fulfillment")
        result = _call(service, state.hub, body, actor="api")
        return one("fulfillment", result, code=201)

    @router.post(
        "/inventory",
        status_code=201,
        summary="Set a SKU's quantity at a location (pushed by inventory.push)",
        tags=["inventory"],
        response_model=entity_envelope("inventory", Inventory, title="InventorySet"),
        responses=_WRITE_ERRORS,
    )
    def set_inventory(body: Annotated[InventoryUpdate, Body()]) -> JSONResponse:
        service = _service(state, "inventory", "set_inventory")
        result = _call(
            service,
            state.hub,
            sku=body.sku,
            quantity=body.quantity,
            location_id=body.location_id,
            actor="api",
        )
        return one("inventory", result, code=201)

    @router.post(
        "/products",
        status_code=201,
        summary="Create or update a hub product by SKU (pushed by products.push)",
        tags=["products"],
        response_model=entity_envelope("product", Product, title="ProductSaved"),
        responses=_WRITE_ERRORS,
    )
    def upsert_product(body: Annotated[Product, Body()]) -> JSONResponse:
        service = _service(state, "products", "upsert_hub_product")
        result = _call(service, state.hub, body, actor="api")
        return one("product", result, code=201)

    return router


def _service(state: ApiState, module: str, function: str) -> Callable[..., Any]:
    found = state.resolve_service(module, function)
    if found is None:
        raise ApiError(501, f"{function} is not available yet in this version of OrderHub")
    return found


def _call(service: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return service(*args, **kwargs)
    except ValidationError as invalid:  # the service re-validated what it builds from the body
        _, message = describe_validation(
            [{**e, "loc": ("body", *e["loc"])} for e in invalid.errors()]
        )
        raise ApiError(422, message) from None
