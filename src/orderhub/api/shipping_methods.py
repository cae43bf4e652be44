"""An integration's carrier → store shipping method mappings (fulfillments.push).

`GET /integrations/{id}/shippingMethods` lists them; `PUT` with `{carrier, service?, method}`
adds one or replaces the one for the same carrier and service (names compared without case,
spaces or punctuation); `DELETE …?carrier=X[&service=Y]` drops one (404 if there is none).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse

from orderhub.api.envelopes import entity_envelope, error_responses, list_envelope, many, one
from orderhub.api.state import ApiState
from orderhub.domain.bounds import NAME_CHARS
from orderhub.domain.shipping_method import ShippingMethodMapping
from orderhub.services.shipping_methods import (
    list_shipping_methods,
    remove_shipping_method,
    set_shipping_method,
)

__all__ = ["ShippingMethodBody", "shipping_methods_router"]

_ERRORS = error_responses(400, 401, 403, 404, 422)
_PATH = "/integrations/{integration_id}/shippingMethods"


class ShippingMethodBody(BaseModel):
    """A mapping to add: no `service` covers every service of the carrier."""

    model_config = ConfigDict(extra="forbid")

    carrier: str = Field(min_length=1, max_length=NAME_CHARS)
    service: str | None = Field(default=None, max_length=NAME_CHARS)
    method: str = Field(min_length=1, max_length=NAME_CHARS)


def shipping_methods_router(
    state: ApiState, read: Callable[..., Any], write: Callable[..., Any]
) -> APIRouter:
    router = APIRouter(tags=["integrations"])
    hub = state.hub

    @router.get(
        _PATH,
        summary="List the integration's carrier → store shipping method mappings",
        dependencies=[Depends(read)],
        response_model=list_envelope(
            "shippingMethods", ShippingMethodMapping, title="ShippingMethodMappingList"
        ),
        responses=_ERRORS,
    )
    def list_mappings(integration_id: str) -> JSONResponse:
        values = [m.to_wire() for m in list_shipping_methods(hub, integration_id)]
        return many("shippingMethods", values, skip=0, count=len(values), total=len(values))

    @router.put(
        _PATH,
        summary="Map a carrier (and service) to one of the store's shipping methods",
        dependencies=[Depends(write)],
        response_model=entity_envelope(
            "shippingMethod", ShippingMethodMapping, title="ShippingMethodMappingSaved"
        ),
        responses=_ERRORS,
    )
    def put_mapping(
        integration_id: str, body: Annotated[ShippingMethodBody, Body()]
    ) -> JSONResponse:
        saved = set_shipping_method(
            hub, integration_id, carrier=body.carrier, service=body.service, method=body.method
        )
        return one("shippingMethod", saved.to_wire())

    @router.delete(
        _PATH,
        summary="Drop the mapping of a carrier (and service)",
        dependencies=[Depends(write)],
        responses=_ERRORS,
    )
    def delete_mapping(
        integration_id: str,
        carrier: Annotated[str, Query(min_length=1, max_length=NAME_CHARS)],
        service: Annotated[str | None, Query(max_length=NAME_CHARS)] = None,
    ) -> JSONResponse:
        remove_shipping_method(hub, integration_id, carrier=carrier, service=service)
        return JSONResponse({"success": True, "code": 200})

    return router
