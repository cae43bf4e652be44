"""Pipe17's envelopes: `{success, code, <entity>}`, `{success, code, pagination, <entities>}`.

The functions build the responses; the models describe the same shapes in the OpenAPI
document (responses are returned as built, not re-validated, so a test checks that the
document and the responses agree: schemathesis' schema-conformance check).
"""

from __future__ import annotations

from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, create_model
from starlette.responses import JSONResponse

__all__ = [
    "ErrorBody",
    "FastJSONResponse",
    "Pagination",
    "accepted",
    "entity_envelope",
    "error",
    "error_responses",
    "list_envelope",
    "many",
    "one",
]


class FastJSONResponse(JSONResponse):
    """A JSON response encoded by orjson: the same compact UTF-8 JSON, several times faster
    (a page of orders is mostly encoding). Content orjson cannot encode goes the slow way."""

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)
        except TypeError:
            return super().render(content)


class Pagination(BaseModel):
    """Where a page sits: loop with `skip += pageSize` until `last` is true."""

    model_config = ConfigDict(extra="forbid")

    skip: int
    count: int
    pageSize: int  # the wire name
    total: int
    last: bool


class ErrorBody(BaseModel):
    """Every error: the HTTP status again in `code`, and one line for a person."""

    model_config = ConfigDict(extra="forbid")

    success: Literal[False]
    code: int
    message: str


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses` entry declaring these statuses as error envelopes."""
    return {code: {"model": ErrorBody} for code in codes}


def one(name: str, value: Any, *, code: int = 200, **extra: Any) -> JSONResponse:
    body = {"success": True, "code": code, name: value, **extra}
    return FastJSONResponse(body, status_code=code)


def many(name: str, values: list[Any], *, skip: int, count: int, total: int) -> JSONResponse:
    pagination = {
        "skip": skip,
        "count": count,
        "pageSize": len(values),
        "total": total,
        "last": skip + len(values) >= total,
    }
    return FastJSONResponse({"success": True, "code": 200, "pagination": pagination, name: values})


def accepted(message: str, **extra: Any) -> JSONResponse:
    """202: the work was started in the background; `extra` says where to watch it."""
    return FastJSONResponse({"success": True, "code": 202, "message": message, **extra}, 202)


def error(code: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"success": False, "code": code, "message": message}
    return FastJSONResponse(body, status_code=code, headers=headers)


def entity_envelope(
    name: str, model: Any, *, title: str, extra: dict[str, Any] | None = None
) -> type[BaseModel]:
    """The OpenAPI model of `{success, code, <name>: model}` (plus `extra` fields)."""
    fields: dict[str, Any] = {
        "success": (bool, ...),
        "code": (int, ...),
        name: (model, ...),
        **(extra or {}),
    }
    built: type[BaseModel] = create_model(title, **fields)
    return built


def list_envelope(name: str, model: Any, *, title: str) -> type[BaseModel]:
    """The OpenAPI model of `{success, code, pagination, <name>: [model]}`."""
    fields: dict[str, Any] = {
        "success": (bool, ...),
        "code": (int, ...),
        "pagination": (Pagination, ...),
        name: (list[model], ...),
    }
    built: type[BaseModel] = create_model(title, **fields)
    return built
