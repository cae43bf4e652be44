"""Pipe17's envelopes: `{success, code, <entity>}`, `{success, code, pagination, <entities>}`."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

__all__ = ["error", "many", "one"]


def one(name: str, value: Any) -> JSONResponse:
    return JSONResponse({"success": True, "code": 200, name: value})


def many(name: str, values: list[Any], *, skip: int, count: int, total: int) -> JSONResponse:
    pagination = {
        "skip": skip,
        "count": count,
        "pageSize": len(values),
        "total": total,
        "last": skip + len(values) >= total,
    }
    return JSONResponse({"success": True, "code": 200, "pagination": pagination, name: values})


def error(code: int, message: str) -> JSONResponse:
    return JSONResponse({"success": False, "code": code, "message": message}, status_code=code)
